"""The batches between gateway processes and the simulation process, as bytes: every record kind
comes back as it went in, a batch arriving in pieces is put back together, and a broken channel
is a `WireError`, never a wrong record."""

from __future__ import annotations

import pytest

from makaverse.server.net.gateway_wire import (
    BATCH_HEADER,
    MAX_BATCH_BYTES,
    BatchReader,
    BatchWriter,
    InputFields,
    Kind,
    Record,
    WireError,
    iter_records,
)


def one_of_each() -> tuple[bytes, list[Record]]:
    w = BatchWriter()
    w.blob(Kind.OPEN, 1, b"127.0.0.1")
    w.input(3, 4_000_000_000, 0.1, -1.0, 65535, True, 4_000_000_001)
    w.blob(Kind.COMMAND, 5, b"\x81\xa1t\x09")
    w.plain(Kind.CLOSED, 7)
    w.json(Kind.STATS, 0, [["bytes_sent", {}, 12.0]])
    w.plain(Kind.READY, 1)
    w.blob(Kind.HTTP_ASK, 9, b"/healthz")
    w.blob(Kind.FRAME, 11, b"\x00" * 900)
    w.drop(13, 4001, "antrean kirim penuh", flush=False)
    w.state(15, 1)
    w.plain(Kind.DONE, 17)
    w.json(Kind.ELSEWHERE, 0, {"total": 3, "changed": {"10.0.0.1": 2}})
    w.http_answer(19, 200, b'{"status": "ok"}')
    w.plain(Kind.STOP, 0)
    expected = [
        Record(Kind.OPEN, 1, b"127.0.0.1"),
        Record(Kind.INPUT, 3, InputFields(4_000_000_000, 0.1, -1.0, 65535, True, 4_000_000_001)),
        Record(Kind.COMMAND, 5, b"\x81\xa1t\x09"),
        Record(Kind.CLOSED, 7),
        Record(Kind.STATS, 0, b'[["bytes_sent",{},12.0]]'),
        Record(Kind.READY, 1),
        Record(Kind.HTTP_ASK, 9, b"/healthz"),
        Record(Kind.FRAME, 11, b"\x00" * 900),
        Record(Kind.DROP, 13, (4001, False, "antrean kirim penuh")),
        Record(Kind.STATE, 15, 1),
        Record(Kind.DONE, 17),
        Record(Kind.ELSEWHERE, 0, b'{"total":3,"changed":{"10.0.0.1":2}}'),
        Record(Kind.HTTP_ANSWER, 19, (200, b'{"status": "ok"}')),
        Record(Kind.STOP, 0),
    ]
    return w.take(), expected


def test_every_record_kind_comes_back_as_it_went_in():
    """Each kind of record, written into one batch, is read back with the same fields, in order."""
    batch, expected = one_of_each()
    (body,) = BatchReader().feed(batch)
    assert list(iter_records(body)) == expected


def test_a_frame_record_is_the_same_bytes_as_a_frame_blob():
    a, b = BatchWriter(), BatchWriter()
    for conn_id, data in ((11, b"\x00" * 900), (2**32 - 1, b""), (5, b"\x8c\xa1t\x0c")):
        a.frame(conn_id, data)
        b.blob(Kind.FRAME, conn_id, data)
    assert a.size == b.size
    body = a.take()
    assert body == b.take()
    assert list(iter_records(body[4:]))[0] == Record(Kind.FRAME, 11, b"\x00" * 900)


def test_an_input_keeps_its_floats_to_the_bit():
    """Move directions travel as doubles: the simulation steps exactly what the client sent."""
    w = BatchWriter()
    w.input(1, 2, 0.7071067811865476, -0.123456789, 3, False)
    (rec,) = iter_records(BatchReader().feed(w.take())[0])
    assert (rec.data.move_x, rec.data.move_y) == (0.7071067811865476, -0.123456789)


def test_a_batch_that_arrives_in_pieces_is_put_back_together():
    """Split at every byte, two batches in a row still come out whole and in order."""
    first, expected = one_of_each()
    w = BatchWriter()
    w.plain(Kind.DONE, 99)
    stream = first + w.take()
    for cut in range(len(stream) + 1):
        reader = BatchReader()
        bodies = reader.feed(stream[:cut]) + reader.feed(stream[cut:])
        assert [list(iter_records(b)) for b in bodies] == [expected, [Record(Kind.DONE, 99)]]


def test_an_empty_writer_takes_an_empty_batch_and_starts_over():
    """Taking a batch empties the writer: the next batch holds only what was added after."""
    w = BatchWriter()
    assert w.take() == BATCH_HEADER.pack(0)
    w.plain(Kind.DONE, 1)
    assert len(w) == 1 and w.size > 0
    w.take()
    assert len(w) == 0 and w.size == 0


def test_a_record_cut_short_is_a_wire_error():
    """A record that runs past the end of its batch, or an unknown kind, is a broken channel."""
    w = BatchWriter()
    w.blob(Kind.FRAME, 1, b"\x01" * 100)
    body = BatchReader().feed(w.take())[0]
    with pytest.raises(WireError):
        list(iter_records(body[:-1]))
    with pytest.raises(WireError):
        list(iter_records(body[:3]))
    with pytest.raises(WireError):
        list(iter_records(b"\xff\x00\x00\x00\x00"))


def test_an_impossible_batch_length_is_a_wire_error():
    """A length past the limit means the stream lost its framing: refused before buffering it."""
    with pytest.raises(WireError):
        BatchReader().feed(BATCH_HEADER.pack(MAX_BATCH_BYTES + 1))
