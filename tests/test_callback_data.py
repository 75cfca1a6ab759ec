"""bot/callback_data.py: every action encodes within 64 bytes and decodes back to itself; the
wire formats of buttons already sent stay readable; anything else decodes to None."""
from __future__ import annotations

import pytest

from bot import callback_data as cd
from bot.signing import Signer
from kennisbank.services.knowledge import short_hash

SHORT = "ocmw-lindegem-onthaal"
LONG = "een-heel-lange-dienst-id-" * 4          # 100 bytes: only its hash fits

ACTIONS = [
    cd.ShowCard(SHORT), cd.MorePage("1f", 2), cd.ThemePage("voeding"), cd.ThemePage("voeding", 3), cd.AllNeeds(),
    cd.ShareCard(SHORT), cd.ShareIn("ar", SHORT), cd.DefaultLanguage("uk"),
    cd.RateAnswer(12, True, "a1b2c3d4e5"), cd.RateAnswer(12, False, "a1b2c3d4e5"), cd.ReportAnswer(12, "0f"),
    cd.RateAnswer(12, True), cd.ReportAnswer(12), cd.RateCard(SHORT, True),
    cd.RateCard(SHORT, False), cd.ReportCard(SHORT), *(cd.ReportReason(code, SHORT) for code in cd.REASONS),
    cd.SendReport(7), cd.SendReport(7, "a1b2c3d4e5"), cd.CancelReport(), cd.CancelReport(7, "a1b2c3d4e5"),
    cd.CancelReport(7), cd.ReportStillRight(7), cd.StillRight(SHORT), cd.EditHint(SHORT),
    *(cd.Beheer(a, 3 if a in cd.BEHEER_WITH_NUMBER else None) for a in cd.BEHEER_ACTIONS),
    cd.BeheerService.of("s", SHORT), cd.BeheerService.of("v", LONG), cd.BeheerService.of("f", LONG, 12),
]


@pytest.mark.parametrize("action", ACTIONS, ids=repr)
def test_every_action_round_trips_within_64_bytes(action):
    data = action.encode()
    assert len(data.encode("utf-8")) <= cd.MAX_BYTES
    assert cd.decode(data) == action


@pytest.mark.parametrize("make", [cd.ShowCard, cd.ShareCard, cd.ReportCard, cd.StillRight, cd.EditHint,
                                  lambda ref: cd.ShareIn("fa", ref), lambda ref: cd.ReportReason("w", ref),
                                  lambda ref: cd.RateCard(ref, True)])
def test_a_long_service_id_travels_as_its_hash(make):
    data = make(LONG).encode()
    assert len(data.encode("utf-8")) <= cd.MAX_BYTES
    assert cd.decode(data) == make("#" + short_hash(LONG))


def test_buttons_sent_before_the_codec_still_decode():
    """The wire formats are the ones earlier versions wrote into chats."""
    assert cd.decode(f"k:{SHORT}") == cd.ShowCard(SHORT)
    assert cd.decode("m:a:1") == cd.MorePage("a", 1) and cd.decode("t:voeding:0") == cd.ThemePage("voeding")
    assert cd.decode(f"sar:{SHORT}") == cd.ShareIn("ar", SHORT) and cd.decode("s=fa") == cd.DefaultLanguage("fa")
    # (unsigned answer buttons decode, and the feedback handler refuses them: bot/signing.py)
    assert cd.decode("fa+:12") == cd.RateAnswer(12, True) and cd.decode("fx:0") == cd.CancelReport()
    assert cd.decode(f"frw:{SHORT}") == cd.ReportReason("w", SHORT)
    # report buttons from before the tag still decode (and are refused: bot/handlers/feedback.py)
    assert cd.decode("fn:7") == cd.SendReport(7) and cd.decode("fn:7.0a") == cd.SendReport(7, "0a")
    assert cd.decode("fx:7.0a") == cd.CancelReport(7, "0a") and cd.decode("fx:0.0a") == cd.CancelReport()
    assert cd.decode("bO0") == cd.Beheer("O", 0) and cd.decode("by") == cd.Beheer("y")
    hashed = short_hash(SHORT)
    assert cd.decode(f"bf{hashed}:3") == cd.BeheerService("f", hashed, 3)


@pytest.mark.parametrize("data", [None, "", "zz", "k", "k:", "m:abc:x", "m:a", "t::1", "s:", "sar=fa", "s=f",
                                  "fa+:x", "fa+:12.XYZ", "fa!:12.",
                                  "frq:abc", "fn:", "fn:7.", "fn:7.XYZ", "fx:", "fx:7.", "fx:x", "fo:x", "fo:7.0a",
                                  "fz:1", "b", "bq", "bO", "bm1", "bc",
                                  "bs123", "bfnothex0000000000:1", "x" * 65, 42, "n:", "nn", "n0"])
def test_malformed_or_forged_data_decodes_to_nothing(data):
    assert cd.decode(data) is None


def test_all_needs_wire_format():
    """'Andere nood…' under nothing found: one letter, no fields."""
    assert cd.AllNeeds().encode() == "n" and cd.decode("n") == cd.AllNeeds()
    assert cd.matches(cd.AllNeeds)("n") and not cd.matches(cd.AllNeeds)("t:voeding:0")


def test_data_that_would_not_fit_is_a_programming_error():
    with pytest.raises(cd.CallbackDataTooLong):
        cd.MorePage("k" * 70, 1).encode()


def test_matches_is_a_handler_pattern_by_type():
    pattern = cd.matches(cd.ShareCard, cd.ShareIn)
    assert pattern(f"s:{SHORT}") and pattern(f"sar:{SHORT}") and not pattern(f"k:{SHORT}") and not pattern("s:")


def test_a_tag_binds_a_value_to_one_chat_and_one_key():
    signer = Signer("123:token")
    tag = signer.tag(42, 7)
    assert signer.verify(42, 7, tag)
    assert not signer.verify(43, 7, tag) and not signer.verify(42, 8, tag) and not signer.verify(42, 7, "")
    assert not Signer("456:other").verify(42, 7, tag)


def test_report_tags_are_bound_to_the_chat_and_never_pass_for_a_signal():
    from bot.signing import REPORT, Signer
    signer = Signer("token")
    tag = signer.tag(4242, 7, REPORT)
    assert signer.verify(4242, 7, tag, REPORT)
    assert not signer.verify(4243, 7, tag, REPORT) and not signer.verify(4242, 8, tag, REPORT)
    assert not signer.verify(4242, 7, tag) and signer.tag(4242, 7) != tag     # a signal's tag is another
    assert not signer.verify(4242, 7, "", REPORT)
