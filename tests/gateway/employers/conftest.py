"""An employer enrolled from a CSV by the command line, on top of `people` (landlords and officers a, b)."""
from __future__ import annotations

import pytest

EMPLOYER = "+8613600000000"  # the employer's first contact phone
CREDIT_CODE = "91350102MA2XYM123R"
CSV = ("credit_code,name,address,precinct,phones,site_code,site_kind,site_address,site_alias,capacity\n"
       f"{CREDIT_CODE},闽江建设,鼓楼区工业路1号,GL01,13600000000;13600000001,300001,building_site,,工地,\n"
       f"{CREDIT_CODE},闽江建设,鼓楼区工业路1号,GL01,13600000000,300002,dormitory,鼓楼区工业路3号,宿舍楼,40\n")


@pytest.fixture
def employer(people, run, tmp_path):
    """闽江建设 in GL01: building site 300001 (@工地) and dormitory 300002 (@宿舍楼, 40 beds); two contacts."""
    path = tmp_path / "employers.csv"
    path.write_text(CSV, encoding="utf-8")
    result = run("employer", "import", str(path))
    assert result.exit_code == 0, result.output
    return people
