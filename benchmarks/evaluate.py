"""`python -m benchmarks.evaluate`: the evaluation of lip-sync and render quality (avatar.eval) on
the repository's portraits: the bundled photo, the test astronaut (tests/data) and the shared
photos beside the checkout (../shared/portraits)."""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from avatar.eval import core
from avatar.eval.core import (BASE_PORTRAITS, SENTENCES, SIZE, SSIM_STRIDE, VARIANT_SENTENCES, Recording, _finite,
                              _json_default, evaluate, make_portraits, markdown)
from benchmarks import REPO

ASTRONAUT = REPO / "tests" / "data" / "astronaut.png"


def default_portrait_dir() -> Path:
    """The folder of the `shared` portrait set: ../shared/portraits from the repository root."""
    return REPO.parent / "shared" / "portraits"


EPILOG = """\
portrait sets: shipped (the photos in avatar/assets/portraits and the astronaut 2x), variants (generated
from them), shared (every image in --portrait-dir). The independent measurement uses dlib's 68-point
model (evaluation only: its training data forbids commercial use); --no-dlib runs without it.
"""


def transcript_text(value: str) -> str:
    """--transcript: the text itself, or the path of a file holding it."""
    path = Path(value)
    try:
        if path.is_file():
            return path.read_text(encoding="utf-8").strip()
    except OSError:  # a long transcript is no valid path
        pass
    return value.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.evaluate", description=core.__doc__.split("\n")[0],
                                     epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--portraits", nargs="*", default=None, metavar="NAME|SET|PATH",
                        help="built-in names (hopper, astronaut_2x, hopper_flip, ...), sets (shipped, variants, "
                             "shared), image files or folders; default: shipped and variants")
    parser.add_argument("--portrait-dir", type=Path, default=default_portrait_dir(),
                        help="folder of the `shared` set (default: ../shared/portraits from the repository root); "
                             "read in place, never copied")
    parser.add_argument("--sentences", nargs="*", default=None,
                        help="sentence ids (default: all; `none` for only the --recording narrations)")
    parser.add_argument("--recording", action="append", default=[], type=Path, metavar="AUDIO",
                        help="a recording of real speech (WAV or any file soundfile reads), force-aligned "
                             "with its --transcript (English); repeatable, one --transcript each")
    parser.add_argument("--transcript", action="append", default=[], metavar="TEXT_OR_FILE",
                        help="what the --recording says: the text, or a text file")
    parser.add_argument("--size", type=int, default=SIZE)
    parser.add_argument("--ssim-stride", type=int, default=SSIM_STRIDE, help="SSIM on every k-th frame")
    parser.add_argument("--full", action="store_true",
                        help="every sentence on every portrait (default: the generated variants speak "
                             f"{', '.join(VARIANT_SENTENCES)})")
    parser.add_argument("--no-dlib", action="store_true", help="skip the independent (dlib) measurement")
    parser.add_argument("--contact-sheet", type=Path, default=None, metavar="PNG",
                        help="write the mouth contact sheet (rest, m, f, a, o, i per portrait); keep it out of "
                             "the repository when it shows the shared photos")
    parser.add_argument("--out", type=Path, default=None, help="write the full results as JSON")
    parser.add_argument("--markdown", nargs="?", const="-", default=None, metavar="PATH",
                        help="print the Markdown tables (or write them to PATH); default: a JSON summary")
    args = parser.parse_args(argv)

    sentences = list(SENTENCES)
    if args.sentences:
        known = {s[0]: s for s in SENTENCES}
        if args.sentences == ["none"]:
            sentences = []
        else:
            unknown = [s for s in args.sentences if s not in known]
            if unknown:
                parser.error(f"unknown sentence ids {unknown}; choose from {list(known)} or none")
            sentences = [known[s] for s in args.sentences]
    if len(args.recording) != len(args.transcript):
        parser.error("give one --transcript per --recording")
    recordings = []
    for path, text in zip(args.recording, args.transcript):
        if not path.is_file():
            parser.error(f"{path}: recording not found")
        recordings.append(Recording(path, transcript_text(text)))
    if not sentences and not recordings:
        parser.error("nothing to narrate: --sentences none needs a --recording")
    for out in (args.out, args.contact_sheet, None if args.markdown in (None, "-") else Path(args.markdown)):
        if out is not None and not Path(out).resolve().parent.is_dir():
            parser.error(f"{out}: the folder does not exist")

    backend, note = None, ""
    if args.no_dlib:
        note = "--no-dlib"
    else:
        from avatar.eval import dlib68

        try:
            backend = dlib68.shared()
        except dlib68.DlibUnavailable as exc:
            note = str(exc)
            print(f"independent measurement unavailable: {note}", file=sys.stderr)

    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    from avatar.errors import AvatarError
    from avatar.eval.portraits import resolve

    with tempfile.TemporaryDirectory(prefix="avatar-eval-") as folder:
        builtin = make_portraits(Path(folder), ASTRONAUT)
        try:
            portraits = resolve(args.portraits, builtin, args.portrait_dir)
        except ValueError as exc:
            parser.error(str(exc))
        try:
            for rec in recordings:  # align once, up front: a bad recording stops the run here
                progress(f"aligning {rec.path} ...")
                rec.utterance()
        except AvatarError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        subset = [x for x in sentences if x[0] in VARIANT_SENTENCES] or sentences
        use_all = args.full or bool(args.sentences)

        def sentences_for(name: str):
            chosen = sentences if use_all or name not in builtin or name in BASE_PORTRAITS else subset
            return [*chosen, *recordings]

        results = evaluate(portraits, sentences + recordings, size=args.size, ssim_stride=args.ssim_stride,
                           progress=progress, sentences_for=sentences_for, independent=backend,
                           contact=args.contact_sheet is not None, independent_note=note)
    rows = results.pop("_contact", None)
    if args.contact_sheet is not None:
        from avatar.eval import contact

        inside = _inside(args.contact_sheet, REPO)
        shared_dir = args.portrait_dir.resolve()
        if inside and any(_inside(p, shared_dir) for p in portraits.values()):
            print(f"warning: {args.contact_sheet} is inside the repository and shows shared portraits: "
                  "do not commit it", file=sys.stderr)
        title = f"{results['settings']['size']} px presenter; dlib inner-lip gap under each close-up"
        contact.write(args.contact_sheet, rows, title)
        progress(f"contact sheet: {args.contact_sheet}")
    if args.out:
        args.out.write_text(json.dumps(_finite(results), indent=1, default=_json_default))
    if args.markdown == "-":
        print(markdown(results))
    elif args.markdown:
        Path(args.markdown).write_text(markdown(results), encoding="utf-8")
    else:
        summary = {"overall": results["overall"], "phone_timing_note": results["phone_timing_note"],
                   "dlib": {k: results["dlib"][k] for k in ("available", "note", "overall")},
                   "skipped": results["skipped"]}
        print(json.dumps(_finite(summary), indent=1, default=_json_default))
    return 0


def _inside(path: Path, folder: Path) -> bool:
    try:
        Path(path).resolve().relative_to(Path(folder).resolve())
        return True
    except ValueError:
        return False


if __name__ == "__main__":
    raise SystemExit(main())
