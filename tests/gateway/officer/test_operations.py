"""Officers' 'replies not delivered' list, and the job queue page with its requeue for admins."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, update

from store.models import OutboundMessage
from store.officers import add_officer
from tests.constants import LANDLORD, PASSWORD
from tests.support import drain, inbound, officer_clients, sms


@pytest.fixture
def login(settings, rt, people):
    with rt.sessions.begin() as session:
        add_officer(session, "root", PASSWORD, "GL01", "admin")
    return officer_clients(settings, rt)



def doomed(rt):
    """A job that failed for good (it names a message that does not exist), under an id of its own: job hashes
    live in the shared Redis, where another test process may be failing and requeueing its own at the same time."""
    job = rt.queue.enqueue("gateway.pipeline.batch.process_inbound", 999999, job_id=f"test-doomed-{uuid.uuid4().hex}")
    drain(rt)
    assert job.id in rt.queue.failed_job_registry.get_job_ids()
    return job


class TestNotDelivered:
    def test_an_undelivered_reply_shows_on_the_list_and_its_item_in_its_precinct_only(self, login, rt):
        """The reply to a GL01 landlord that the carrier could not deliver is listed, with its error code, for
        GL01's officer and on the message's page; GL02's officer does not see it."""
        a, b = login("a"), login("b")
        sent = sms(a, "登记 张三 350102199001011238 301", LANDLORD)
        drain(rt)
        with rt.sessions.begin() as session:
            session.execute(update(OutboundMessage).values(status="undelivered", error_code="30006", attempts=1))
        listed = a.get("/deliveries").get_data(as_text=True)
        assert "30006" in listed and LANDLORD in listed and "未送达" in listed
        assert "30006" not in b.get("/deliveries").get_data(as_text=True)
        item = a.get(f"/review/{inbound(rt, sent.sid).id}").get_data(as_text=True)
        assert "未送达的回复短信" in item and "30006" in item

    def test_delivered_replies_are_not_listed(self, login, rt):
        a = login("a")
        sms(a, "HELP", LANDLORD)
        drain(rt)
        with rt.sessions() as session:
            assert session.scalar(select(OutboundMessage.status)) == "outbox"
        assert "没有未送达的短信" in a.get("/deliveries").get_data(as_text=True)


class TestQueuePage:
    @pytest.fixture
    def failed_job(self, rt):
        """A job that failed for good: it names a message that does not exist."""
        return doomed(rt)

    def test_supervisors_see_failed_jobs_and_officers_do_not(self, login, failed_job):
        page = login("chief").get("/queue")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert failed_job.id in text and "LookupError" in text and "全部重新排队" not in text
        assert login("a").get("/queue").status_code == 403

    def test_an_admin_requeues_a_failed_job_and_it_is_audited(self, login, rt, failed_job):
        """An admin's requeue puts the job back on the queue; a supervisor's is refused."""
        assert login("chief").post("/queue/requeue", data={"job_id": failed_job.id}).status_code == 403
        root = login("root")
        assert "全部重新排队" in root.get("/queue").get_data(as_text=True)
        response = root.post("/queue/requeue", data={"job_id": failed_job.id}, follow_redirects=True)
        assert "已重新排队 1 个任务" in response.get_data(as_text=True)
        assert failed_job.id in rt.queue.get_job_ids()
        assert failed_job.id not in rt.queue.failed_job_registry.get_job_ids()
        assert "重新排队失败任务" in root.get("/audit?action=requeue").get_data(as_text=True)


class TestInChinese:
    def test_no_code_shows_on_the_operations_pages(self, login, rt):
        """Not delivered, the job queue and the audit of a requeue and a purge read as Chinese, like every page."""
        import datetime as dt

        from store import retention
        from tests.gateway.officer.test_zh_pages import leaked

        root = login("root")
        sent = sms(root, "登记 张三 350102199001011238 301", LANDLORD)
        drain(rt)
        with rt.sessions.begin() as session:
            session.execute(update(OutboundMessage).values(status="undelivered", error_code="30006", attempts=1))
        root.post("/queue/requeue", data={"job_id": doomed(rt).id})
        with rt.sessions.begin() as session:
            retention.purge(session, dt.date(2000, 1, 1))
        pages = {path: root.get(path).get_data(as_text=True) for path in (
            "/deliveries", "/queue", "/audit", "/audit?action=requeue", "/audit?action=purge",
            f"/review/{inbound(rt, sent.sid).id}")}
        assert "未送达" in pages["/deliveries"] and "清除过期原始短信" in pages["/audit"]
        assert {path: found for path, html in pages.items() if (found := leaked(html))} == {}
