""""And open the next": an officer works through the queue without going back to it, the filter kept."""
from __future__ import annotations

from tests.constants import ID_BAD_CHECK, LANDLORD, STRANGER
from tests.support import login, texted


def location(response) -> str:
    assert response.status_code == 302
    return response.headers["Location"]


class TestSaveAndNext:
    def test_reject_and_next_opens_the_next_item_under_the_filter(self, ui, people):
        """Rejecting with "and next" goes to the next open item of the same reason, keeping ?reason=."""
        older = texted(ui, people, "hello", LANDLORD)
        texted(ui, people, f"登记 李四 {ID_BAD_CHECK} 301 @100001", LANDLORD)  # another reason: skipped
        newer = texted(ui, people, "what?", LANDLORD)
        login(ui, "a")
        item = ui.get(f"/review/{newer}?reason=unknown_keyword").get_data(as_text=True)
        assert f'/review/{newer}/reject?reason=unknown_keyword' in item
        response = ui.post(f"/review/{newer}/reject?reason=unknown_keyword", data={"reason": "x", "then": "next"})
        assert location(response).endswith(f"/review/{older}?reason=unknown_keyword")

    def test_the_last_item_leads_back_to_the_filtered_queue(self, ui, people):
        """With nothing left under the filter the officer lands on the queue, filter kept, told it is done."""
        only = texted(ui, people, "hello", STRANGER)
        login(ui, "a")
        response = ui.post(f"/review/{only}/spam?reason=unknown_sender", data={"then": "next"})
        assert location(response).endswith("/review?reason=unknown_sender")
        assert "当前筛选下已没有待处理事项" in ui.get("/review?reason=unknown_sender").get_data(as_text=True)

    def test_without_next_the_item_stays(self, ui, people):
        """The plain button keeps the officer on the item they acted on."""
        first, second = texted(ui, people, "hello", LANDLORD), texted(ui, people, "hi", LANDLORD)
        login(ui, "a")
        assert location(ui.post(f"/review/{second}/reject", data={"reason": "x"})).endswith(f"/review/{second}")
        assert first != second

    def test_a_failed_action_does_not_move_on(self, ui, people):
        """An action refused (the item is closed already) stays on the item, even with "and next"."""
        first, second = texted(ui, people, "hello", LANDLORD), texted(ui, people, "hi", LANDLORD)
        login(ui, "a")
        ui.post(f"/review/{second}/spam")
        response = ui.post(f"/review/{second}/reject", data={"reason": "x", "then": "next"})
        assert location(response).endswith(f"/review/{second}") and first != second
