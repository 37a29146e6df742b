"""A small hand-made campaign where every figure is known: what the `campaign` fixture stores (see `build`)."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from stdnum.cn import ric

from store.models import Declaration, InboundMessage, Landlord, Person, Precinct, Property


def valid_ric(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


RIC_1 = valid_ric("11010519800101001")
RIC_2 = valid_ric("11010519850202002")
RIC_9 = valid_ric("11010519900303003")  # nobody with this ID ever declared
PASSPORT_6 = "E12345678"


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def build(rt) -> SimpleNamespace:
    """March 2026 in two precincts, P01 and P02 (times are UTC).

    P01: landlord L1 (enrolled in January) with properties X1, X2; landlord L3 enrolled in April with Z1.
      d1 X1 sms     moved in 02-10, declared 02-11                  active  (resident since February)
      d2 X1 sms     moved in 03-01, declared 03-02 10:00 (60 s)     active
      d3 X2 voice   moved in 03-01, declared 03-20 (180 s), late, no landlord answer, active
      d4 X2 officer moved in 01-01, declared 01-02, moved out 03-15 ended
      d5 X1 sms     declared 03-05                                   cancelled
      d7 X1 sms     moved in 03-25, declared 04-01                  active  (April)
      d8 X2 voice   moved in 03-24, declared 03-25 (600 s), confirmed by the landlord, active
      inbound in March: the three behind d2, d3, d8 (processed) and three rejected:
      [id_checksum, unknown_property], [id_checksum], none with reason rate_limited;
      plus one rejected in April and one rejected without a precinct.
    P02: landlord L2 with property Y1.
      d6 Y1 officer moved in 03-10, declared 03-10                  active
    """
    with rt.sessions.begin() as s:
        p01, p02 = Precinct(code="P01", name="东街派出所"), Precinct(code="P02", name="West Lane")
        l1 = Landlord(phone="+8613900000001", name="Li Lei", created_at=at("2026-01-01 08:00"))
        l2 = Landlord(phone="+8613900000002", name="Wang Fang", created_at=at("2026-01-05 08:00"))
        l3 = Landlord(phone="+8613900000003", name="Zhao Min", created_at=at("2026-04-02 08:00"))
        x1 = Property(code="100001", landlord=l1, precinct=p01, address="东街 1 号")
        x2 = Property(code="100002", landlord=l1, precinct=p01, address="东街 2 号")
        y1 = Property(code="200001", landlord=l2, precinct=p02, address="West Lane 1")
        z1 = Property(code="300001", landlord=l3, precinct=p01, address="东街 3 号")
        people = [Person(document_type="ric", document_number=RIC_1, name="一"),
                  Person(document_type="ric", document_number=RIC_2, name="二")]
        people += [Person(document_type="ric", document_number=valid_ric(f"110105197001{n:02d}000"), name=str(n))
                   for n in (3, 4, 5)]
        people += [Person(document_type="passport", document_number=PASSPORT_6, name="six"),
                   Person(document_type="ric", document_number=valid_ric("11010519700107000"), name="7"),
                   Person(document_type="ric", document_number=valid_ric("11010519700108000"), name="8")]
        s.add_all([p01, p02, l1, l2, l3, x1, x2, y1, z1, *people])
        s.flush()

        def inbound(sid, received, status="processed", precinct=p01, codes=None, reason=None, channel="sms"):
            msg = InboundMessage(provider_sid=sid, channel=channel, from_number=l1.phone, received_at=at(received),
                                 status=status, codes=codes, review_reason=reason,
                                 precinct_id=precinct.id if precinct else None)
            s.add(msg)
            s.flush()
            return msg

        m2 = inbound("SM2", "2026-03-02 09:59:00")
        m3 = inbound("CA3", "2026-03-20 00:00:00", channel="voice")
        m8 = inbound("CA8", "2026-03-25 00:00:00", channel="voice")
        inbound("SMr1", "2026-03-03 00:00", "rejected", codes=["id_checksum", "unknown_property"])
        inbound("SMr2", "2026-03-04 00:00", "rejected", codes=["id_checksum"])
        inbound("SMr3", "2026-03-05 00:00", "rejected", reason="rate_limited")
        inbound("SMr4", "2026-04-01 00:00", "rejected", codes=["id_checksum"])
        inbound("SMr5", "2026-03-06 00:00", "rejected", precinct=None, codes=["unknown_landlord"])

        def decl(n, prop, channel, move_in, declared, status="active", **kw):
            d = Declaration(person=people[n - 1], property=prop, channel=channel,
                            move_in=day(move_in), declared_at=at(declared), status=status, receipt=f"R{n:05d}", **kw)
            s.add(d)
            return d

        decls = {
            1: decl(1, x1, "sms", "2026-02-10", "2026-02-11 09:00"),
            2: decl(2, x1, "sms", "2026-03-01", "2026-03-02 10:00:00", inbound_id=m2.id),
            3: decl(3, x2, "voice", "2026-03-01", "2026-03-20 00:03:00", late=True, inbound_id=m3.id),
            4: decl(4, x2, "officer", "2026-01-01", "2026-01-02 09:00", status="ended", move_out=day("2026-03-15")),
            5: decl(5, x1, "sms", "2026-03-05", "2026-03-05 09:00", status="cancelled"),
            6: decl(6, y1, "officer", "2026-03-10", "2026-03-10 09:00"),
            7: decl(7, x1, "sms", "2026-03-25", "2026-04-01 09:00"),
            8: decl(8, x2, "voice", "2026-03-24", "2026-03-25 00:10:00", inbound_id=m8.id,
                    landlord_response="confirmed"),
        }
        s.flush()
        return SimpleNamespace(p01=p01.id, p02=p02.id, l1=l1.id, l2=l2.id,
                               decl={n: d.id for n, d in decls.items()})
