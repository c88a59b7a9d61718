"""Demo data for the duplicates review: the engine's batch deduplication over the demo people fills
the review queue (pairs already queued or decided are left as they are)."""

from caminante.core.models import ServicePoint, User

from . import services


def seed(points: dict[str, ServicePoint], users: dict[str, User]) -> str | None:
    summary = services.find_all_duplicates()
    return None if summary.startswith("0 ") else f"registry: {summary} to review"
