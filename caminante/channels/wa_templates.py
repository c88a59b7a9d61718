"""The approved WhatsApp message templates (name -> per-language body with {{1}}.. placeholders).

Outside the 24-hour customer-service window Meta accepts only an approved template. These are the
templates Caminante ships; each must be submitted to Meta with the same name, language and body.
"""

import re
from dataclasses import dataclass

# Meta's language codes for our three languages.
META_LANGUAGE = {"es": "es", "pt": "pt_BR", "en": "en"}


@dataclass(frozen=True)
class Template:
    name: str
    params: int
    bodies: dict[str, str]

    def render(self, language: str, params: list[str]) -> str:
        body = self.bodies.get(language) or self.bodies["es"]
        return re.sub(r"\{\{(\d+)\}\}", lambda m: str(params[int(m.group(1)) - 1]), body)


TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in (
        Template(
            "voucher_issued",
            4,
            {
                "es": "Hola {{1}}, la Cruz Roja te envió un bono de {{2}}. Tu código es {{3}} y vence el {{4}}. "
                "No compartas este código con nadie.",
                "pt": "Olá {{1}}, a Cruz Vermelha enviou um voucher de {{2}}. Seu código é {{3}} e vence em {{4}}. "
                "Não compartilhe este código com ninguém.",
                "en": "Hello {{1}}, the Red Cross sent you a voucher for {{2}}. Your code is {{3}} and it expires "
                "on {{4}}. Do not share this code with anyone.",
            },
        ),
        Template(
            "feedback_answer",
            2,
            {
                "es": "Respuesta de la Cruz Roja a tu mensaje {{1}}: {{2}}",
                "pt": "Resposta da Cruz Vermelha à sua mensagem {{1}}: {{2}}",
                "en": "Red Cross answer to your message {{1}}: {{2}}",
            },
        ),
        Template(
            "referral_update",
            2,
            {
                "es": "Novedades de tu remisión {{1}}: {{2}}",
                "pt": "Novidades do seu encaminhamento {{1}}: {{2}}",
                "en": "Update on your referral {{1}}: {{2}}",
            },
        ),
        Template(
            "conversation_reply",
            1,
            {
                "es": "La Cruz Roja te respondió: {{1}}",
                "pt": "A Cruz Vermelha respondeu: {{1}}",
                "en": "The Red Cross replied: {{1}}",
            },
        ),
        Template(
            # Post-distribution survey (cash/pdm.py): the body carries question 1 and its numbered
            # options, in the order of the questionnaire; the reply goes to the survey.
            "pdm_survey",
            1,
            {
                "es": "La Cruz Roja quiere saber cómo te fue con la asistencia de {{1}}. Son 6 preguntas cortas; "
                "responder es voluntario y no cambia tu asistencia. (1/6) ¿Recibiste el monto completo? "
                "Responde 1 (Sí, todo), 2 (Solo una parte) o 3 (No, nada).",
                "pt": "A Cruz Vermelha quer saber como foi a assistência de {{1}}. São 6 perguntas curtas; "
                "responder é voluntário e não muda a sua assistência. (1/6) Você recebeu o valor completo? "
                "Responda 1 (Sim, tudo), 2 (Só uma parte) ou 3 (Não, nada).",
                "en": "The Red Cross would like to know how the assistance of {{1}} went. 6 short questions; "
                "answering is voluntary and does not change your assistance. (1/6) Did you receive the full "
                "amount? Reply 1 (Yes, all of it), 2 (Only part) or 3 (No, nothing).",
            },
        ),
        Template(
            "risk_communication",
            1,
            {
                "es": "Aviso de la Cruz Roja: {{1}} Responde BAJA para no recibir más avisos.",
                "pt": "Aviso da Cruz Vermelha: {{1}} Responda SAIR para não receber mais avisos.",
                "en": "Red Cross notice: {{1}} Reply STOP to receive no more notices.",
            },
        ),
    )
}


def get(name: str) -> Template:
    try:
        return TEMPLATES[name]
    except KeyError:
        raise ValueError(f"unknown WhatsApp template {name!r}") from None
