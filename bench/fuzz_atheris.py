"""Coverage-guided fuzzing of the wire decoder and every message's validation, for long runs.

atheris is optional (not a dependency of makaverse). Install it into the same environment:

    .venv/bin/pip install atheris    # or: pip install -e ".[fuzz]"; wheels for Linux x86-64

then run, for as long as you like (Ctrl-C stops; a crash writes the input to crash-<hash>):

    .venv/bin/python bench/fuzz_atheris.py -max_total_time=3600
    .venv/bin/python bench/fuzz_atheris.py -runs=200000 corpus/    # keep a corpus between runs

Each input is used twice: as raw frame bytes, and as a recipe for a structured frame (a message
type and field values drawn from the bytes), so validation is reached as often as the parser.
Anything raised other than the protocol's `RemoteProtocolError`, a refusal whose reply doesn't
encode, or a decoded message that does not survive encode/decode, is a finding.
"""

from __future__ import annotations

import sys

import msgpack

__all__ = ["check_frame", "structured_frame", "main"]


def check_frame(data: bytes) -> None:
    """Decode one frame: a message that round-trips, or a typed refusal with a valid reply."""
    from makaverse.protocol import RemoteProtocolError, decode, encode, refusal

    try:
        msg = decode(data)
    except RemoteProtocolError as exc:
        encode(refusal(exc))
        return
    again = decode(encode(msg))
    if again != msg:
        raise AssertionError(f"{type(msg).__name__} changed on a round trip")


def _value(fdp, depth: int = 0):
    kind = fdp.ConsumeIntInRange(0, 8 if depth < 2 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return fdp.ConsumeBool()
    if kind == 2:
        return fdp.ConsumeIntInRange(-(2**63), 2**64 - 1)
    if kind == 3:
        return fdp.ConsumeRegularFloat() if fdp.ConsumeBool() else fdp.ConsumeFloat()
    if kind in (4, 5):
        return fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 64))
    if kind == 6:
        return fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 64))
    if kind == 7:
        return [_value(fdp, depth + 1) for _ in range(fdp.ConsumeIntInRange(0, 4))]
    return {fdp.ConsumeUnicodeNoSurrogates(8): _value(fdp, depth + 1) for _ in range(fdp.ConsumeIntInRange(0, 4))}


def structured_frame(fdp) -> bytes:
    """A frame of a real message type whose fields are its own names, some with fuzzed values."""
    from makaverse.protocol import MESSAGE_CLASSES

    types = sorted(MESSAGE_CLASSES)
    mtype = types[fdp.ConsumeIntInRange(0, len(types) - 1)]
    frame: dict = {"t": int(mtype)}
    for name in MESSAGE_CLASSES[mtype].FIELD_NAMES:
        if fdp.ConsumeIntInRange(0, 3):
            frame[name] = _value(fdp)
    return msgpack.packb(frame, use_bin_type=True)


def main(argv: list[str] | None = None) -> int:
    try:
        import atheris
    except ImportError:
        print("bench/fuzz_atheris.py needs atheris: .venv/bin/pip install atheris", file=sys.stderr)
        return 2

    import numpy  # noqa: F401  (imported first, so only our own code is instrumented)

    with atheris.instrument_imports():
        import makaverse.protocol  # noqa: F401  (instrumented for coverage guidance)

    def one_input(data: bytes) -> None:
        check_frame(data)
        check_frame(structured_frame(atheris.FuzzedDataProvider(data)))

    atheris.Setup(sys.argv if argv is None else argv, one_input)
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main())
