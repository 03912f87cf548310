from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from config.actors import Actor
from orders.models import ProducerOrder
from orders.services.session_close import session_close


class Command(BaseCommand):
    help = "Close one sales session now: finalise its producer orders and send them Complete."

    def add_arguments(self, parser):
        parser.add_argument("session_id", type=int)

    def handle(self, *args, session_id: int, **options):
        from sessions_app.models import SaleSession

        session = SaleSession.objects.filter(pk=session_id).first()
        if session is None:
            raise CommandError(f"There is no sales session {session_id}.")
        total = ProducerOrder.objects.filter(sales_session_id=session_id).count()
        with tqdm(
            total=total, desc=f"Closing {session.name}", unit="producer order", file=self.stderr
        ) as bar:
            closed = session_close(
                session_id=session_id,
                actor=Actor.system("close_session command"),
                progress=lambda _: bar.update(1),
            )
        if not closed:
            raise CommandError(f"Session {session_id} ({session.name}) is already closed.")
        count = ProducerOrder.objects.filter(sales_session_id=session_id).count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Closed {session.name}: {count} producer orders finalised and queued for delivery."
            )
        )
