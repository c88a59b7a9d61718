"""Coding and corrections, the loop's state machine, SLA and overdue alerts, answers through the
outbox, the framework's versions, rumour clusters and the aggregates."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from caminante.core.jobs import registered, run_due
from caminante.core.models import AuditEvent, OutboxMessage
from caminante.feedback import reports, services
from caminante.feedback.framework import current_version, tree
from caminante.feedback.models import (
    ClassificationCorrection,
    Criticality,
    FeedbackItem,
    FrameworkEntry,
    Sensitivity,
    Status,
)
from caminante.feedback.services import (
    add_national_code,
    answer_item,
    code_item,
    designate_focal_point,
    move_item,
    publish_framework_version,
    receive_feedback,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _item(users, sp, text="El bono no pasa en la tienda, dice que el código no es válido", **kw):
    kw.setdefault("channel", "hsp")
    return receive_feedback(users["volunteer.co"], national_society=sp.national_society, text=text, **kw)


def test_confirming_and_correcting_keep_a_correction_row(users, sp_co):
    item = _item(users, sp_co)
    assert item.suggested_category == "c_service_quality"
    code_item(
        users["officer.co"],
        item,
        type_key="concern",
        category_key="c_service_quality",
        code_key="c_quality_payment",
        sensitivity="not_sensitive",
        criticality="action",
    )
    other = _item(users, sp_co, text="Necesito saber cuándo pagan")
    code_item(
        users["officer.co"],
        other,
        type_key="question",
        category_key="q_cash",
        code_key="q_cash_payment",
        sensitivity="not_sensitive",
        criticality="monitor",
    )
    rows = {c.item_id: c for c in ClassificationCorrection.objects.all()}
    assert rows[item.pk].category_correct and rows[item.pk].final_category == "c_service_quality"
    assert rows[other.pk].suggested_category != "q_cash" and not rows[other.pk].category_correct
    item.refresh_from_db()
    assert item.framework_version == current_version() and item.code_key == "c_quality_payment"
    assert AuditEvent.objects.filter(action="feedback.coded", object_id=str(item.pk)).count() == 1


def test_coding_validates_the_hierarchy_and_sensitive_categories(users, sp_co):
    item = _item(users, sp_co)
    with pytest.raises(ValidationError) as exc:
        code_item(
            users["officer.co"],
            item,
            type_key="question",
            category_key="c_service_quality",
            sensitivity="not_sensitive",
            criticality="monitor",
        )
    assert "category_key" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        code_item(
            users["officer.co"],
            item,
            type_key="concern",
            category_key="c_sea",
            sensitivity="not_sensitive",
            criticality="urgent",
        )
    assert "sensitivity" in exc.value.message_dict


def test_marking_sensitive_moves_the_item_out_of_the_officers_reach(users, sp_co):
    from caminante.feedback.selectors import confidential_for, items_for

    designate_focal_point(users["datamanager.co"], users["protection.co"])
    item = _item(users, sp_co, text="El señor de la entrada me trató raro")
    assert item.sensitivity == Sensitivity.NOT_SENSITIVE and item in items_for(users["officer.co"])
    code_item(
        users["officer.co"],
        item,
        type_key="concern",
        category_key="c_misconduct",
        sensitivity="sensitive",
        criticality="urgent",
    )
    item.refresh_from_db()
    assert item.text == "" and item.words == "El señor de la entrada me trató raro"
    assert item not in items_for(users["officer.co"]) and item in confidential_for(users["protection.co"])
    with pytest.raises(PermissionDenied):
        move_item(users["officer.co"], item, Status.ACKNOWLEDGED)


def test_the_loop_refuses_invalid_transitions_with_a_translated_error(users, sp_co):
    item = _item(users, sp_co, wants_answer=True)
    with translation.override("es"), pytest.raises(ValidationError) as exc:
        move_item(users["officer.co"], item, Status.CLOSED)
    assert "no puede pasar" in exc.value.message_dict["status"][0]
    with translation.override("pt"), pytest.raises(ValidationError) as exc:
        move_item(users["officer.co"], item, Status.CLOSED)
    assert "não pode passar" in exc.value.message_dict["status"][0]
    move_item(users["officer.co"], item, Status.ACKNOWLEDGED)
    move_item(users["officer.co"], item, Status.IN_PROGRESS)
    with pytest.raises(ValidationError):
        move_item(users["officer.co"], item, Status.ANSWERED)  # answering needs the answer
    answer_item(users["officer.co"], item, answer="Ya revisamos el código, vuelva a intentarlo.", via="hsp_message")
    move_item(users["officer.co"], item, Status.CLOSED)
    item.refresh_from_db()
    assert item.status == Status.CLOSED and item.closed_at and item.acknowledged_at
    with pytest.raises(ValidationError):
        move_item(users["officer.co"], item, Status.IN_PROGRESS)
    statuses = [e.data["to"] for e in AuditEvent.objects.filter(action="feedback.status", object_id=str(item.pk))]
    assert statuses == ["acknowledged", "in_progress", "closed"]


def test_every_status_is_reachable_and_closed_is_final():
    reachable = {Status.RECEIVED.value}
    frontier = [Status.RECEIVED.value]
    while frontier:
        for nxt in services.TRANSITIONS[frontier.pop()]:
            if nxt not in reachable:
                reachable.add(nxt)
                frontier.append(nxt)
    assert reachable == set(Status.values)
    assert services.TRANSITIONS[Status.CLOSED] == frozenset()


def test_whatsapp_complaint_is_answered_through_the_same_channel_within_target(users, sp_co):
    item = receive_feedback(
        None,
        national_society=sp_co.national_society,
        channel="whatsapp",
        text="Esperé todo el día y no me atendieron",
        contact_phone_e164="+573001234567",
        wants_answer=True,
    )
    assert item.contact_consent and item.criticality == Criticality.ACTION
    assert item.due_at == item.received_at + timedelta(hours=services.sla_hours()["action"])
    before = OutboxMessage.objects.count()
    answer_item(users["officer.co"], item, answer="Lo sentimos. Mañana lo atendemos a primera hora.")
    item.refresh_from_db()
    assert item.status == Status.ANSWERED and item.answer_via == "channel"
    assert services.within_target(item) is True
    sent = OutboxMessage.objects.exclude(channel="email").order_by("-created_at").first()
    assert OutboxMessage.objects.count() == before + 1
    assert sent.channel in ("whatsapp", "sms") and "3001234567" in sent.to
    assert "Mañana lo atendemos" in str(sent.payload)
    move_item(users["officer.co"], item, Status.CLOSED)
    assert FeedbackItem.objects.get(pk=item.pk).status == Status.CLOSED


def test_answer_without_contact_must_be_a_call_note_or_kept_at_the_hsp(users, sp_co):
    from caminante.feedback.services import hand_over_answer

    item = _item(users, sp_co, wants_answer=True)
    with pytest.raises(ValidationError) as exc:
        answer_item(users["officer.co"], item, answer="Respuesta", via="channel")
    assert "via" in exc.value.message_dict
    answer_item(users["officer.co"], item, answer="Pase por el punto el lunes.", via="hsp_message")
    hand_over_answer(users["volunteer.co"], FeedbackItem.objects.get(pk=item.pk))
    assert FeedbackItem.objects.get(pk=item.pk).answer_collected_at is not None
    with pytest.raises(ValidationError):
        hand_over_answer(users["volunteer.co"], FeedbackItem.objects.get(pk=item.pk))


def test_overdue_alerts_once_a_day_and_confidential_reminders_until_closed(users, sp_co):
    for name in ("officer.co", "coordinator.co", "protection.co"):
        users[name].email = f"{name}@example.org"
        users[name].save()
    designate_focal_point(users["datamanager.co"], users["protection.co"])
    late = _item(users, sp_co, wants_answer=True)
    FeedbackItem.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    secret = _item(users, sp_co, text="Un voluntario me pidió sexo a cambio del bono")
    FeedbackItem.objects.filter(pk=secret.pk).update(received_at=timezone.now() - timedelta(days=2))
    assert "feedback.overdue" in {job.name for job in registered()}
    summary = services.send_overdue_alerts()
    assert summary == "1 overdue, 1 confidential reminders"
    overdue_mail = OutboxMessage.objects.filter(payload__subject__icontains=late.code).values_list("to", flat=True)
    assert {"officer.co@example.org", "coordinator.co@example.org"} <= set(overdue_mail)
    assert "protection.co@example.org" not in overdue_mail
    assert services.send_overdue_alerts() == "0 overdue, 0 confidential reminders"  # once a day
    later = timezone.now() + timedelta(hours=25)
    assert services.send_overdue_alerts(now=later).endswith("1 confidential reminders")
    move_item(users["protection.co"], FeedbackItem.objects.get(pk=secret.pk), Status.ACKNOWLEDGED)
    move_item(users["protection.co"], FeedbackItem.objects.get(pk=secret.pk), Status.NO_ACTION)
    move_item(users["protection.co"], FeedbackItem.objects.get(pk=secret.pk), Status.CLOSED)
    assert services.send_overdue_alerts(now=later + timedelta(days=2)).endswith("0 confidential reminders")


def test_the_worker_runs_the_overdue_job(users, sp_co):
    late = _item(users, sp_co, wants_answer=True)
    FeedbackItem.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    assert any(s.startswith("feedback.overdue: 1 overdue") for s in run_due())
    assert FeedbackItem.objects.get(pk=late.pk).overdue_alerted_at is not None


def test_national_codes_and_new_versions_leave_earlier_coding_untouched(users, sp_co, sp_pe):
    item = _item(users, sp_co)
    code_item(
        users["officer.co"],
        item,
        type_key="concern",
        category_key="c_service_quality",
        code_key="c_quality_payment",
        sensitivity="not_sensitive",
        criticality="action",
    )
    entry = add_national_code(
        users["datamanager.co"], category_key="c_service_quality", key="tarjeta_bloqueada", label_es="Tarjeta bloqueada"
    )
    assert entry.key == "co_tarjeta_bloqueada" and entry.national_society == sp_co.national_society
    assert "co_tarjeta_bloqueada" in tree(sp_co.national_society).by_key
    assert "co_tarjeta_bloqueada" not in tree(sp_pe.national_society).by_key
    with pytest.raises(PermissionDenied):
        add_national_code(users["officer.co"], category_key="c_service_quality", key="x", label_es="X")
    v1 = current_version()
    v2 = publish_framework_version(
        users["admin"],
        note="payment codes split",
        add=[{"key": "c_quality_payment_late", "parent_key": "c_service_quality", "label_es": "Pago tardío"}],
        retire=["c_quality_payment"],
    )
    assert current_version() == v2 and v2.number == v1.number + 1
    item.refresh_from_db()
    assert item.framework_version == v1 and item.code_key == "c_quality_payment"
    assert tree(sp_co.national_society, v1).label(item.code_key) == "Problema con el pago o bono"
    assert "c_quality_payment" not in tree(sp_co.national_society, v2).by_key  # retired
    assert FrameworkEntry.objects.filter(version=v2, key="c_quality_payment", active=False).exists()
    newer = _item(users, sp_co)
    with pytest.raises(ValidationError):
        code_item(
            users["officer.co"],
            newer,
            type_key="concern",
            category_key="c_service_quality",
            code_key="c_quality_payment",
            sensitivity="not_sensitive",
            criticality="action",
        )


def test_focal_points_are_protection_officers_of_the_same_society(users):
    with pytest.raises(ValidationError):
        designate_focal_point(users["datamanager.co"], users["officer.co"])
    with pytest.raises(ValidationError):
        designate_focal_point(users["datamanager.co"], users["protection.pe"])
    with pytest.raises(PermissionDenied):
        designate_focal_point(users["officer.co"], users["protection.co"])
    focal = designate_focal_point(users["datamanager.co"], users["protection.co"])
    assert focal.active and services.is_focal_point(users["protection.co"], focal.national_society_id)


def test_rumour_clusters_group_observations_and_broadcast_the_agreed_answer(users, sp_co):
    texts = [
        "Dicen que la vacuna esteriliza a las mujeres",
        "En el grupo dicen que la vacuna deja estériles a las migrantes",
        "Dicen que la Cruz Roja le pasa los datos a migración",
    ]
    items = [
        receive_feedback(
            None,
            national_society=sp_co.national_society,
            channel="whatsapp",
            text=t,
            contact_phone_e164=f"+57300111222{i}",
        )
        for i, t in enumerate(texts)
    ]
    cluster = services.save_cluster(
        users["officer.co"],
        national_society=sp_co.national_society,
        name="Vacuna esteriliza",
        keywords="vacuna, estéril",
    )
    assert set(cluster.items.values_list("pk", flat=True)) == {items[0].pk, items[1].pk}
    with pytest.raises(ValidationError):
        services.broadcast_cluster(users["officer.co"], cluster)
    cluster.response_message = "Las vacunas son seguras y no causan esterilidad."
    cluster.save()
    assert services.broadcast_cluster(users["officer.co"], cluster) == 2
    with pytest.raises(PermissionDenied):
        services.save_cluster(users["officer.pe"], national_society=sp_co.national_society, name="x", keywords="")


def test_aggregates_hide_small_cells_and_count_confidential_items_only(users, sp_co):
    for _n in range(6):
        _item(users, sp_co, text="¿Dónde cargo el celular?")
    _item(users, sp_co, text="Gracias por todo, excelente")
    _item(users, sp_co, text="Un voluntario me pidió sexo a cambio del bono")
    with translation.override("en"):
        report = reports.dashboard(users["analyst"])
        by_type = {bar.label: bar.value for bar in report.by_type}
    assert report.total == 7 and report.confidential is None  # 1 confidential: hidden (<5)
    assert by_type["Question"] == 6 and by_type["Encouragement or praise"] is None
    rows = reports.export_rows(users["analyst"])
    assert ["<5" == row[-1] for row in rows if row[2] == "confidential"] == [True]
    assert all("sexo" not in str(row) for row in rows)
    csv_text = reports.as_csv(rows)
    assert csv_text.splitlines()[1].startswith("#date+week,#country+code")
    with pytest.raises(PermissionDenied):
        reports.dashboard(users["volunteer.co"])


def test_classifier_accuracy_is_measured_from_the_decisions(users, sp_co):
    for n in range(6):
        item = _item(users, sp_co, text="¿Dónde puedo cargar el celular?")
        correct = n < 4
        code_item(
            users["officer.co"],
            item,
            type_key="question",
            category_key="q_rfl" if correct else "q_services",
            sensitivity="not_sensitive",
            criticality="monitor",
        )
    missed = _item(users, sp_co, text="Necesito hablar con alguien de confianza")
    code_item(
        users["officer.co"],
        missed,
        type_key="concern",
        category_key="c_threat",
        sensitivity="sensitive",
        criticality="urgent",
    )
    rows = {row.language: row for row in reports.classifier_accuracy(users["officer.co"])}
    assert rows["es"].decisions == 7 and rows["es"].type_accuracy == round(100 * 6 / 7, 1)
    assert rows["es"].category_accuracy == round(100 * 4 / 7, 1) and rows["es"].sensitive_missed == 1
    assert reports.classifier_accuracy(users["officer.pe"]) == []


def test_the_decisions_people_take_retrain_the_suggestions(users, sp_co):
    from caminante.feedback import classifier

    text = "Necesito saber cuándo pagan"
    shipped = classifier.default_model()
    assert _item(users, sp_co, text=text).suggested_category != "q_cash"
    try:
        for _ in range(3):
            _item(users, sp_co, text=text)
        for item in FeedbackItem.objects.all():
            code_item(
                users["officer.co"],
                item,
                type_key="question",
                category_key="q_cash",
                code_key="q_cash_payment",
                sensitivity="not_sensitive",
                criticality="monitor",
            )
        assert services.learn_from_corrections() == 4
        assert classifier.default_model() is not shipped
        assert _item(users, sp_co, text=text).suggested_category == "q_cash"
        assert "feedback.learn" in {job.name for job in registered()}
    finally:
        classifier._model = shipped
