"""`declgate`: one console script for running, enrolling, inspecting and recovering."""
from __future__ import annotations

import click

from gateway.cli import (accounts, admin, doctor, employers, enrolments, followup, messages, org, processes, retention,
                         stats, twilio_number, verification)


@click.group()
def cli() -> None:
    """declgate: SMS and voice-line tenant declarations."""
    from gateway.id_masking import mask_log_records

    mask_log_records()


for command in (processes.serve, processes.worker, processes.requeue, admin.db, admin.keys, accounts.landlord,
                org.org_group, employers.employer, enrolments.enrolment, accounts.officer, messages.sms, messages.outbox,
                messages.export, messages.export_token, stats.report, stats.stats_group, retention.purge, doctor.doctor,
                twilio_number.twilio_group, followup.followup, verification.verification_group):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="declgate")
