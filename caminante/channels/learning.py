"""The FAQ engine learns from people: the topics staff chose in the inbox, once an FAQ editor of
their National Society approved them (labels.py), retrain both of its models.

The worker's periodic job `faq.learn` (and `caminante faq train`) trains the topic model on the
shipped paraphrases plus the approved labels, and the safety model on its shipped examples plus
the same labels as kinds (a sensitive topic is its kind, any other topic is "none"), then writes
both to CAMINANTE_DATA_DIR/models/, where every process picks them up at its next message. One
model for the installation: each National Society's labels are reviewed by its own editors.
Phone numbers and e-mail addresses are masked before training, so they never enter a model's
vocabulary.
"""

import logging

from caminante.faq import safety_model, topic_model

from . import selectors

log = logging.getLogger(__name__)


def training_labels() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(text, topic) for the topic model and (text, kind) for the safety model."""
    topics = [(selectors.mask_contact_details(text), topic) for text, topic, _ in selectors.approved_faq_labels()]
    kinds = [(text, safety_model.kind_of(topic)) for text, topic in topics]
    return topics, kinds


def learn_from_labels() -> int:
    """Retrain both models when the approved labels changed since the last retraining; returns how
    many labels the models in use learnt from."""
    topics, kinds = training_labels()
    current = topic_model.model()
    wanted = topic_model.fingerprint([*topic_model.read_examples(), *topics])
    if current.trained_on == wanted:
        return len(topics)  # nothing new since the last retraining (or no label, no retrained model)
    topic_model.retrain(topics)
    safety_model.retrain(kinds)
    log.info("faq models retrained with %d approved labels", len(topics))
    return len(topics)
