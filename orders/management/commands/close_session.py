from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from config.actors import Actor
from orders.services.session_close import session_close


class Command(BaseCommand):
    help = (
        "Close one sales session now: finalise its producer orders and send them Complete "
        "(also finishes a session left closed but not finalised)."
    )

    def add_arguments(self, parser):
        parser.add_argument("session_id", type=int)

    def handle(self, *args, session_id: int, **options):
        from sessions_app.models import SaleSession

        session = SaleSession.objects.filter(pk=session_id).first()
        if session is None:
            raise CommandError(f"There is no sales session {session_id}.")
        with tqdm(desc=f"Closing {session.name}", unit="step", file=self.stderr) as bar:

            def progress(done: int, total: int, what: str) -> None:
                bar.total = total
                bar.update(done - bar.n)
                bar.set_postfix_str(what)

            report = session_close(
                session_id=session_id,
                actor=Actor.system("close_session command"),
                progress=progress,
            )
        if report is None:
            raise CommandError(f"Session {session_id} ({session.name}) is already closed.")
        self.stdout.write(
            self.style.SUCCESS(
                f"{'Finished' if report.resumed else 'Closed'} {session.name}: "
                f"{report.producer_orders} producer orders finalised, {report.deliveries} "
                "deliveries queued."
            )
        )
