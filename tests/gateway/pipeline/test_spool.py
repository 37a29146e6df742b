"""gateway.pipeline.spool: where a webhook keeps what the database cannot take, and how replayers take it back."""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import fakeredis
import pytest
import redis

from gateway.pipeline import spool as spool_mod
from gateway.pipeline.spool import Entry, Spool, SpoolUnavailable, UnreadableEntry
from store.keyring import Keyring, new_key
from tests.constants import KEYS

ID_A = "350102199001011238"
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def keyring() -> Keyring:
    return Keyring(**KEYS)


@pytest.fixture
def fake_redis() -> redis.Redis:
    return fakeredis.FakeRedis(server=fakeredis.FakeServer())


def entry(n: int, body: str | None = None) -> Entry:
    return Entry(sid=f"SM{n:04d}", from_number="+8613800138000", to_number="+8610690000",
                 body=body or f"登记 张三 {ID_A} {300 + n}")


def make(tmp_path, keyring, conn=None, maxlen: int = 1000, name: str = "spool") -> Spool:
    return Spool(tmp_path / name, keyring=keyring, redis=conn, stream=f"test:{name}", maxlen=maxlen)


def files(spool: Spool) -> list[str]:
    return sorted(p.name for p in spool.directory.iterdir() if p.is_file())


class TestEntry:
    def test_sealed_entry_opens_to_the_same_entry(self, keyring):
        """An entry survives sealing and opening whole, arrival time included."""
        original = entry(1)
        assert Entry.open(original.seal(keyring), keyring) == original

    def test_sealed_entry_shows_no_id_number(self, keyring):
        """The token holds no ID number or text in clear."""
        token = entry(1).seal(keyring)
        assert ID_A not in token and "登记" not in token

    def test_entry_sealed_under_a_key_no_longer_held_is_unreadable(self, keyring):
        """A token from a key removed from DATA_KEYS raises UnreadableEntry, not a crash."""
        other = Keyring([new_key()], KEYS["blind_index_key"])
        with pytest.raises(UnreadableEntry):
            Entry.open(entry(1).seal(other), keyring)


class TestWrite:
    def test_redis_stream_first(self, tmp_path, keyring, fake_redis):
        """With Redis up an entry goes to the stream and no file is made."""
        spool = make(tmp_path, keyring, fake_redis)
        assert spool.write(entry(1)) == "redis"
        assert fake_redis.xlen("test:spool") == 1
        assert not spool.directory.exists() or files(spool) == []

    def test_file_when_there_is_no_redis(self, tmp_path, keyring):
        """Without Redis the entry is one sealed JSON line in this process's own file."""
        spool = make(tmp_path, keyring)
        assert spool.write(entry(1)) == "file"
        assert files(spool) == [f"{os.getpid()}.jsonl"]
        [line] = [json.loads(raw) for raw in (spool.directory / f"{os.getpid()}.jsonl").read_text().splitlines() if raw]
        assert Entry.open(line["e"], keyring).sid == "SM0001"
        assert ID_A not in (spool.directory / f"{os.getpid()}.jsonl").read_text()

    def test_file_when_redis_is_down(self, tmp_path, keyring, caplog):
        """A Redis that does not answer sends the entry to the file, with a warning."""
        server = fakeredis.FakeServer()
        server.connected = False
        spool = make(tmp_path, keyring, fakeredis.FakeRedis(server=server))
        with caplog.at_level(logging.WARNING, logger="gateway.pipeline.spool"):
            assert spool.write(entry(1)) == "file"
        assert "Redis refused the spool entry" in caplog.text

    def test_full_stream_hands_over_to_the_file_and_trims_nothing(self, tmp_path, keyring, fake_redis, caplog):
        """Past 90 % of SPOOL_MAXLEN the stream takes no more (an error says so) and nothing in it is trimmed."""
        spool = make(tmp_path, keyring, fake_redis, maxlen=10)
        with caplog.at_level(logging.WARNING, logger="gateway.pipeline.spool"):
            where = [spool.write(entry(n)) for n in range(12)]
        assert where == ["redis"] * 9 + ["file"] * 3
        assert fake_redis.xlen("test:spool") == 9
        assert "the files take over at 9" in caplog.text  # the warning past half the cap
        assert "new entries go to the files" in caplog.text

    def test_unwritable_directory_raises_spool_unavailable(self, tmp_path, keyring):
        """When not even the disk takes it, SpoolUnavailable (the webhook answers 503)."""
        blocker = tmp_path / "not-a-directory"
        blocker.write_text("")
        spool = Spool(blocker / "spool", keyring=keyring, redis=None, stream="test:x")
        with pytest.raises(SpoolUnavailable):
            spool.write(entry(1))

    def test_appends_keep_their_order(self, tmp_path, keyring):
        """Entries written one after another are read back in that order."""
        spool = make(tmp_path, keyring)
        for n in range(5):
            spool.write(entry(n))
        with spool.claim_files() as [claimed]:
            assert [item.entry.sid for item in claimed.items] == [f"SM{n:04d}" for n in range(5)]


class TestClaimFiles:
    def test_a_live_file_is_renamed_and_the_next_append_starts_a_new_one(self, tmp_path, keyring):
        """A claimed file leaves the writer's path: the writer's next entry lands in a file of its own."""
        spool = make(tmp_path, keyring)
        spool.write(entry(1))
        with spool.claim_files() as [claimed]:
            assert claimed.path.name.endswith(".claimed")
            spool.write(entry(2))
            assert f"{os.getpid()}.jsonl" in files(spool)
            assert [item.entry.sid for item in claimed.items] == ["SM0001"]
            claimed.acknowledge(claimed.items[0])
        assert files(spool) == [f"{os.getpid()}.jsonl"]  # the claimed one, all acknowledged, is gone

    def test_two_replayers_never_take_the_same_file(self, tmp_path, keyring):
        """While one replayer holds a file another finds nothing to take."""
        spool = make(tmp_path, keyring)
        spool.write(entry(1))
        with spool.claim_files() as first:
            with spool.claim_files() as second:
                assert len(first) == 1 and second == []

    def test_unacknowledged_entries_stay_for_the_next_replayer(self, tmp_path, keyring):
        """Only acknowledged entries leave the file; the rest are there for the next claim, in order."""
        spool = make(tmp_path, keyring)
        for n in range(4):
            spool.write(entry(n))
        with spool.claim_files() as [claimed]:
            claimed.acknowledge(claimed.items[0])
            claimed.acknowledge(claimed.items[2])
        with spool.claim_files() as [again]:
            assert [item.entry.sid for item in again.items] == ["SM0001", "SM0003"]

    def test_file_of_a_killed_process_is_claimed(self, tmp_path, keyring):
        """A process SIGKILLed after spooling leaves a file no one holds, and a replayer takes it whole."""
        directory = tmp_path / "spool"
        script = (
            "import os, sys, time\n"
            "from gateway.pipeline.spool import Spool, Entry\n"
            "from store.keyring import Keyring\n"
            "from tests.constants import KEYS\n"
            f"spool = Spool({str(directory)!r}, keyring=Keyring(**KEYS), redis=None, stream='test:spool')\n"
            "for n in range(3):\n"
            "    spool.write(Entry(sid=f'SMdead{n}', from_number='+8613800138000', to_number='', body='HELP'))\n"
            "print('spooled', flush=True)\n"
            "time.sleep(60)\n")
        child = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE, text=True,
                                 env={**os.environ, "PYTHONPATH": str(REPO)})
        try:
            assert child.stdout.readline().strip() == "spooled"
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
        spool = Spool(directory, keyring=keyring, redis=None, stream="test:spool")
        with spool.claim_files() as [claimed]:
            assert [item.entry.sid for item in claimed.items] == ["SMdead0", "SMdead1", "SMdead2"]

    def test_torn_and_foreign_lines_are_read_as_unreadable(self, tmp_path, keyring):
        """A line cut short by a crash, or sealed under another key, comes back with a problem, not an error."""
        spool = make(tmp_path, keyring)
        spool.write(entry(1))
        other = Keyring([new_key()], KEYS["blind_index_key"])
        path = spool.directory / f"{os.getpid()}.jsonl"
        with path.open("a") as out:
            out.write(json.dumps({"t": time.time(), "e": entry(2).seal(other)}) + "\n")
            out.write('{"t": 12')  # the write a SIGKILL cut
        with spool.claim_files() as [claimed]:
            assert [bool(item.entry) for item in claimed.items] == [True, False, False]
            assert "DATA_KEYS does not hold" in claimed.items[1].problem
            assert "not a spool entry" in claimed.items[2].problem

    def test_set_aside_moves_an_entry_out_of_the_replay(self, tmp_path, keyring):
        """An unreadable entry is kept under unreadable/ and counted, and no longer replayed."""
        spool = make(tmp_path, keyring)
        path = spool.directory
        path.mkdir()
        (path / "999999.jsonl").write_text('{"t": 1.0, "e": "g1:nokey:xx"}\n')
        with spool.claim_files() as [claimed]:
            spool.set_aside(claimed.items[0])
            claimed.acknowledge(claimed.items[0])
        depth = spool.depth()
        assert (depth.entries, depth.unreadable) == (0, 1)
        assert (path / "unreadable").is_dir()


class TestStreamTurn:
    def test_one_replayer_at_a_time(self, tmp_path, keyring, fake_redis):
        """While one replayer has the stream's turn, another is told it is busy."""
        spool = make(tmp_path, keyring, fake_redis)
        spool.write(entry(1))
        with spool.stream_turn() as (reader, busy):
            assert reader is not None and not busy
            with spool.stream_turn() as (other, other_busy):
                assert other is None and other_busy
        with spool.stream_turn() as (reader, busy):
            assert reader is not None  # released at the end of the first turn

    def test_reader_sees_what_was_there_when_the_turn_began(self, tmp_path, keyring, fake_redis):
        """Entries added during a turn are left for the next one (they are newer than the files claimed)."""
        spool = make(tmp_path, keyring, fake_redis)
        for n in range(3):
            spool.write(entry(n))
        with spool.stream_turn() as (reader, _busy):
            spool.write(entry(3))
            seen = [item.entry.sid for item in reader]
        assert seen == ["SM0000", "SM0001", "SM0002"]

    def test_reader_goes_through_batches_and_acknowledges(self, tmp_path, keyring, fake_redis, monkeypatch):
        """More entries than one batch are all read, in order; acknowledged ones leave the stream."""
        monkeypatch.setattr(spool_mod.StreamReader, "BATCH", 2)
        spool = make(tmp_path, keyring, fake_redis)
        for n in range(5):
            spool.write(entry(n))
        with spool.stream_turn() as (reader, _busy):
            items = list(reader)
            for item in items[:4]:
                reader.acknowledge(item)
        assert [item.entry.sid for item in items] == [f"SM{n:04d}" for n in range(5)]
        assert fake_redis.xlen("test:spool") == 1

    def test_no_turn_without_redis(self, tmp_path, keyring):
        """Without Redis there is no stream: (None, not busy), and the files are replayed alone."""
        with make(tmp_path, keyring).stream_turn() as (reader, busy):
            assert reader is None and not busy


class TestWaitingAndDepth:
    def test_waiting_is_looked_at_once_a_second(self, tmp_path, keyring, fake_redis, monkeypatch):
        """A process trusts its last look for a second (or until it spools itself); `fresh` looks again."""
        spool = make(tmp_path, keyring, fake_redis, name="waiting")
        assert not spool.waiting(fresh=True)
        Spool(spool.directory, keyring=keyring, redis=fake_redis, stream="test:other").write(entry(1))
        fake_redis.xadd("test:waiting", {"t": "1", "e": "x"})
        assert not spool.waiting()  # still the last look
        assert spool.waiting(fresh=True)

    def test_own_write_counts_at_once(self, tmp_path, keyring):
        """A process that just spooled knows something waits without looking."""
        spool = make(tmp_path, keyring, name="own")
        assert not spool.waiting(fresh=True)
        spool.write(entry(1))
        assert spool.waiting()

    def test_depth_counts_both_places_and_the_oldest_age(self, tmp_path, keyring, fake_redis):
        """Depth adds the stream's entries to this host's files' and gives the oldest one's age."""
        spool = make(tmp_path, keyring, fake_redis, maxlen=10)
        old = Entry(sid="SMold", from_number="+1", to_number="", body="HELP",
                    received_at=spool_mod.utcnow() - dt.timedelta(minutes=5))
        spool.write(old)
        for n in range(10):
            spool.write(entry(n))
        depth = spool.depth()
        assert (depth.entries, depth.in_redis, depth.in_files, depth.unreadable) == (11, 9, 2, 0)
        assert 299 <= depth.oldest_age <= 330

    def test_empty_spool(self, tmp_path, keyring, fake_redis):
        """Nothing spooled: zero entries and no age."""
        depth = make(tmp_path, keyring, fake_redis).depth()
        assert (depth.entries, depth.oldest_age, depth.in_redis) == (0, None, 0)


class TestRedisPersistence:
    def test_a_redis_without_append_only_file_is_warned_about_once(self, tmp_path, keyring, fake_redis, caplog,
                                                                   monkeypatch):
        """The first stream write of a process says when a Redis restart would lose the spool; later ones do not."""
        monkeypatch.setattr(fake_redis, "config_get", lambda *_args: {"appendonly": "no"}, raising=False)
        spool = make(tmp_path, keyring, fake_redis, name="volatile")
        with caplog.at_level(logging.WARNING, logger="gateway.pipeline.spool"):
            spool.write(entry(1))
            spool.write(entry(2))
        assert caplog.text.count("without an append-only file") == 1
