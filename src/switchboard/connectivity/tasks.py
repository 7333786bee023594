from switchboard.core.tasks import task

from . import services


@task()
def run_sim_import(import_id: int) -> None:
    services.sim_import_run(import_id=import_id)
