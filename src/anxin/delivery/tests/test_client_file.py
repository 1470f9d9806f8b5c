"""CLI-3: the client file shows the service history with the feedback given."""

import pytest

from anxin.catalogue.testing import make_client, make_item
from anxin.delivery.services import feedback_record, service_record


@pytest.mark.django_db
@pytest.mark.req("CLI-3", "CLI-5")
def test_the_client_file_lists_services_with_their_feedback(
    client, login, store, manager, front_desk, practitioner
):
    item = make_item(actor=manager, store=store, name="肩颈理疗")
    person = make_client(actor=front_desk, store=store)
    record = service_record(
        actor=front_desk, store=store, client=person, item=item, practitioner=practitioner
    )
    feedback_record(actor=front_desk, store=store, record=record, score=4, comments="力度刚好")
    login(client, manager)
    page = client.get(f"/clients/{person.code}/").content.decode()
    assert "肩颈理疗" in page and "4/5" in page and "力度刚好" in page
