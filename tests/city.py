"""A city of 3 counties × 4 stations with March 2026 declared, every figure known: the `city` fixture.

Each station has an estimate of 10 floating residents and 10 rental units for March. Each station's
landlord has as many properties as it has residents; `RESIDENTS[station]` residents are declared
active in March, spread over `DECLARED[station]` of the properties; every station also has one
declaration pending review and one disputed by the landlord, which are not registrations and must count
nowhere. So, counties summed over their 4 stations (estimates 40 and 40):

    county  residents  coverage  declared properties  rental coverage  targets met (80 %, 80 %)
    K1        32        80 %          16                  40 %              1
    K2        20        50 %          12                  30 %              0
    K3        36        90 %          34                  85 %              2

and the province's ranking is K3, K1, K2. Inside K1, stations rank S12 (90 %), then S11 and S13 (80 %; equal
in every figure, so by code), then S14 (70 %, no target met).
"""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from store import org
from store.models import Declaration, Landlord, Person, Precinct, Property, SurveyEstimate
from store.officers import add_officer
from tests.campaign import valid_ric
from tests.constants import PASSWORD

COUNTIES = {"K1": "鼓楼分局", "K2": "台江分局", "K3": "仓山分局"}
RESIDENTS = {"S11": 8, "S12": 9, "S13": 8, "S14": 7, "S21": 5, "S22": 6, "S23": 4, "S24": 5,
             "S31": 9, "S32": 10, "S33": 8, "S34": 9}
DECLARED = {"S11": 4, "S12": 4, "S13": 4, "S14": 4, "S21": 3, "S22": 3, "S23": 3, "S24": 3,
            "S31": 9, "S32": 9, "S33": 8, "S34": 8}
COUNTY_ORDER = ["K3", "K1", "K2"]
STATION_ORDER = {"K1": ["S12", "S11", "S13", "S14"]}
ORG_CSV = "code,name,level,parent\nCITY,福州市公安局,city,\n" + "".join(
    f"{county},{name},county,CITY\n" for county, name in COUNTIES.items()) + "".join(
    f"S{k}{j},{COUNTIES[f'K{k}']}第{j}派出所,station,K{k}\n" for k in (1, 2, 3) for j in (1, 2, 3, 4))


def build(rt) -> SimpleNamespace:
    """The tree imported, March declared, estimates entered, and officers at each level:
    `city` (supervisor at CITY), `k1chief` (supervisor at K1), `s11` (officer at S11),
    `helper` (assistant at S11)."""
    with rt.sessions.begin() as s:
        org.import_csv(s, ORG_CSV)
        stations = {p.code: p for p in s.query(Precinct)}
        serial = 0
        for code, residents in RESIDENTS.items():
            station = stations[code]
            landlord = Landlord(phone=f"+86139{int(code[1:]):02d}000000"[:14], name=f"房东{code}",
                                created_at=dt.datetime(2026, 1, 1, 8, 0))
            props = [Property(code=f"{code[1:]}{n:04d}", landlord=landlord, precinct=station,
                              address=f"{station.name} {n} 号") for n in range(residents)]
            s.add_all([landlord, *props])
            for n in range(residents + 2):
                serial += 1
                person = Person(document_type="ric", name=f"住户{serial}",
                                document_number=valid_ric(f"11010519800101{serial:03d}"))
                status = "active" if n < residents else ("pending_review" if n == residents else "disputed")
                where = props[n % DECLARED[code]] if n < residents else props[-1]
                s.add(Declaration(person=person, property=where, channel="sms", move_in=dt.date(2026, 3, 5),
                                  declared_at=dt.datetime(2026, 3, 6, 9, 0), status=status,
                                  receipt=f"C{serial:05d}"))
            s.add(SurveyEstimate(precinct=station, month="2026-03", floating_population=10, rental_units=10))
        s.flush()
        add_officer(s, "city", PASSWORD, None, "supervisor", unit_code="CITY")
        add_officer(s, "k1chief", PASSWORD, None, "supervisor", unit_code="K1")
        add_officer(s, "s11", PASSWORD, "S11")
        add_officer(s, "helper", PASSWORD, "S11", "assistant")
        return SimpleNamespace(stations={c: p.id for c, p in stations.items()},
                               units={u.code: u.id for u in org.units(s)})
