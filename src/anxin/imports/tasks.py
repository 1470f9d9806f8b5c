from huey.contrib.djhuey import db_task

from . import services


@db_task()
def run_import(job_id: int):
    services.run(job_id)
