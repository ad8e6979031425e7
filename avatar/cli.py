"""`avatar` command line: render a script to a narrated talking-avatar MP4.

Exit codes: 0 done, 3 some batch rows failed, 2 bad input (one line naming the file and the problem), 1 internal error,
130 interrupted (143 on SIGTERM, 129 on SIGHUP). Nothing is left at the destination when a render fails.
"""
from __future__ import annotations

import errno
import json
import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, List, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

import avatar
from avatar.errors import AvatarError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Turn a slide script into a narrated talking-avatar explainer video, fully offline.")
err = Console(stderr=True)

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1
EXIT_INTERRUPTED = 130
ALLOW_HINT = "(allow a folder with --allow-path DIR)"
# OSErrors that say what state the machine is in (a full disk, a read-only or missing folder)
USER_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.ENAMETOOLONG, errno.ENOENT,
               errno.ENOTDIR, errno.EISDIR}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"avatar {avatar.__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """Turn a slide script into a narrated talking-avatar explainer video, fully offline."""


def _fail(message: str, code: int) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(code)


def _say(style: str, label: str, message: str) -> None:
    """One status line on stderr: a styled label, then the message as it is (never read as markup)."""
    err.print(f"[{style}]{label}[/] {escape(message)}", highlight=False, soft_wrap=True)


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where the main thread is, so that the same cleanup as Ctrl-C runs."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@contextmanager
def _stop_signals_interrupt():
    """While a command runs, SIGTERM and SIGHUP interrupt it as Ctrl-C does (once: a second signal
    must not cut the cleanup short); the previous handlers come back afterwards."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signals = [s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None]

    def stop(signum, frame):
        for s in signals:
            signal.signal(s, signal.SIG_IGN)
        raise Stopped(signum)

    previous = {s: signal.signal(s, stop) for s in signals}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@contextmanager
def _errors_as_exit_codes(interrupted: str = "interrupted; nothing was written"):
    """Bad input -> one line, exit 2; Ctrl-C -> exit 130 (SIGTERM 143, SIGHUP 129); anything else ->
    one line, exit 1."""
    from avatar.script import OutsideFolder
    from speech.errors import SpeechError

    try:
        with _stop_signals_interrupt():
            yield
    except (typer.Exit, typer.Abort):
        raise
    except OutsideFolder as exc:
        _fail(f"{exc} {ALLOW_HINT}", EXIT_BAD_INPUT)
    except (AvatarError, SpeechError) as exc:
        _fail(str(exc), EXIT_BAD_INPUT)
    except Stopped as exc:
        _fail(interrupted, 128 + exc.signum)
    except KeyboardInterrupt:
        _fail(interrupted, EXIT_INTERRUPTED)
    except OSError as exc:
        if exc.errno in USER_ERRNOS:  # a full disk, a read-only folder: the machine's state, not a bug
            where = exc.filename or "file"
            _fail(f"{where}: {exc.strerror or errno.errorcode.get(exc.errno, exc)}", EXIT_BAD_INPUT)
        _fail(f"internal error: {exc.__class__.__name__}: {exc}", EXIT_INTERNAL)
    except MemoryError:
        _fail("out of memory", EXIT_INTERNAL)
    except Exception as exc:  # an internal error: still one line, with the type for the bug report
        _fail(f"internal error: {exc.__class__.__name__}: {exc}", EXIT_INTERNAL)


# RenderJob fields (and the batch settings) -> the command-line options that set them
RENDER_FLAGS = {"output": "--output", "portrait": "--portrait", "voice": "--voice", "template": "--template",
                "variables": "--var", "fps": "--fps", "size": "--size", "seed": "--seed", "captions": "--captions",
                "landmarks": "--landmarks", "scorm": "--scorm", "jobs": "--jobs", "executor": "--executor",
                "address": "--address", "sign_cert": "--sign-cert", "sign_key": "--sign-key", "allow_paths": "--allow-path",
                "slides": "--slides", "preview": "--preview",
                "burn_captions": "--burn-captions", "sheet": "--sheet"}


@contextmanager
def _options_named_as_flags():
    """A RenderJob's errors name its fields; on the command line, name the option that was given."""
    try:
        yield
    except AvatarError as exc:
        if exc.source in RENDER_FLAGS:
            raise AvatarError(RENDER_FLAGS[exc.source], exc.problem) from None
        raise


def _check_output_file(path: Path, suffix: str) -> None:
    from avatar.files import unwritable

    if path.suffix.lower() != suffix:
        raise AvatarError(path, f"output must be a {suffix} file")
    problem = unwritable(path)
    if problem:
        raise AvatarError(path, problem)


# the render options, shared by `render` and `batch`
PortraitOpt = Annotated[Optional[Path], typer.Option("--portrait", help="Portrait photo of the presenter (default: the script's, else the bundled one).")]
VoiceOpt = Annotated[Optional[str], typer.Option("--voice", help="Voice id, e.g. en-us, de, fr, en-us+f3 (espeak-ng), or engine:voice.")]
TemplateOpt = Annotated[Optional[str], typer.Option("--template", help="Slide theme: a name under templates/ or a theme folder.")]
VarOpt = Annotated[Optional[List[str]], typer.Option("--var", help="Template variable key=value (repeatable).")]
FpsOpt = Annotated[Optional[int], typer.Option("--fps", help="Frames per second (default 25).")]
SizeOpt = Annotated[Optional[str], typer.Option("--size", help="Video size WxH (default 1920x1080).")]
SeedOpt = Annotated[Optional[int], typer.Option("--seed", help="Seed for blinks and head motion (same seed, same video).")]
CaptionsOpt = Annotated[Optional[bool], typer.Option("--captions/--no-captions", help="Embed the caption track (sidecars are always written).")]
LandmarksOpt = Annotated[str, typer.Option("--landmarks", help="Face landmarks: mediapipe (built in) or face-alignment (optional extra; needs its weights in $TORCH_HOME/hub/checkpoints).")]
ScormOpt = Annotated[bool, typer.Option("--scorm", help="Also write NAME.scorm.zip, a SCORM 1.2 package for an LMS.")]
SignCertOpt = Annotated[Optional[Path], typer.Option("--sign-cert", envvar="AVATAR_SIGN_CERT", help="C2PA signing certificate chain (PEM) for the content credentials (default: a local self-signed identity).")]
SignKeyOpt = Annotated[Optional[Path], typer.Option("--sign-key", envvar="AVATAR_SIGN_KEY", help="The signing certificate's private key (PEM).")]
AllowOpt = Annotated[Optional[List[Path]], typer.Option("--allow-path", metavar="DIR", help="Let the script use files in this folder too (repeatable); by default only its own folder.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")]


@app.command()
def render(
    script: Path = typer.Argument(..., help="Script file: Markdown (Marp style) or YAML."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Output .mp4 (default: the script's name in the current folder). SRT, VTT and JSON are written beside it."),
    portrait: PortraitOpt = None,
    voice: VoiceOpt = None,
    template: TemplateOpt = None,
    var: VarOpt = None,
    fps: FpsOpt = None,
    size: SizeOpt = None,
    seed: SeedOpt = None,
    captions: CaptionsOpt = None,
    landmarks: LandmarksOpt = "mediapipe",
    scorm: ScormOpt = False,
    slides: Optional[str] = typer.Option(None, "--slides", help="Render only these slides, e.g. 2-4 or 1,3,5-6."),
    preview: bool = typer.Option(False, "--preview", help="Fast and small: shorter side 360 px, 15 fps, fastest encoder preset."),
    sheet: bool = typer.Option(False, "--sheet", help="Also write NAME.thumb.jpg and NAME.sheet.png, a contact sheet of every slide."),
    burn_captions: bool = typer.Option(False, "--burn-captions", help="Also draw the captions into the picture (two lines at most, theme-styled)."),
    sign_cert: SignCertOpt = None,
    sign_key: SignKeyOpt = None,
    allow_path: AllowOpt = None,
    quiet: QuietOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Render SCRIPT to an MP4 with captions, chapters and a JSON manifest."""
    from avatar.api import render_job
    from avatar.job import make_job
    from avatar.script import parse_variables

    warnings: list[str] = []

    def warn(message: str) -> None:
        warnings.append(message)
        if not quiet:
            _say("yellow", "warning:", message)

    logging.basicConfig(level=logging.ERROR)
    show = not quiet and not as_json and err.is_terminal
    columns = (TextColumn("[bold]{task.description:<8}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TimeRemainingColumn())
    with _errors_as_exit_codes():
        variables = parse_variables(var)
        with _options_named_as_flags():
            job = make_job(script, output, portrait=portrait, voice=voice, template=template, variables=variables,
                           fps=fps, size=size, seed=seed, captions=captions, landmarks=landmarks,
                           scorm=scorm, slides=slides, preview=preview, burn_captions=burn_captions, sheet=sheet,
                           sign_cert=sign_cert, sign_key=sign_key,
                           allow_paths=tuple(allow_path or ()) or None)
        with Progress(*columns, console=err, disable=not show, transient=False) as bar:
            tasks: dict[str, int] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                bar.update(tasks[stage], completed=done, total=total)

            result = render_job(job, progress=progress, warn=warn)

    if as_json:
        typer.echo(json.dumps({
            "output": str(result.output), "captions": [str(p) for p in result.captions],
            "manifest": str(result.manifest), "duration": round(result.duration, 3),
            "wall_time": round(result.wall_time, 3), "speed": round(result.speed, 2),
            "provider": result.provider, "slides": result.slides, "reused_slides": result.reused_slides,
            "warnings": warnings,
        }))
    elif not quiet:
        _say("green", "wrote", f"{result.output} ({result.duration:.1f} s video in {result.wall_time:.1f} s, "
                               f"{result.speed:.1f}x real time, {result.provider})")


EXIT_SOME_FAILED = 3


@app.command()
def batch(
    script: str = typer.Argument(..., help="Script file, or a folder or glob of scripts (one video each, without ROWS)."),
    rows: Optional[Path] = typer.Argument(None, help="Rows: a CSV with a header row, or JSONL. Columns are template variables; portrait, voice, template and output columns override the options."),
    output: str = typer.Option("{{ script }}-{{ row }}.mp4", "-o", "--output", help="Output pattern (Jinja2 over the row's columns, plus row and script), e.g. \"out/{{ id }}.mp4\"."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", help="Worker processes (default: one per two cores)."),
    executor: str = typer.Option("local", "--executor", help="local (worker processes) or ray (the ray extra)."),
    address: Optional[str] = typer.Option(None, "--address", help="Ray cluster to join, e.g. ray://head:10001 (default: start a local Ray)."),
    portrait: PortraitOpt = None,
    voice: VoiceOpt = None,
    template: TemplateOpt = None,
    var: VarOpt = None,
    fps: FpsOpt = None,
    size: SizeOpt = None,
    seed: SeedOpt = None,
    captions: CaptionsOpt = None,
    landmarks: LandmarksOpt = "mediapipe",
    scorm: ScormOpt = False,
    sign_cert: SignCertOpt = None,
    sign_key: SignKeyOpt = None,
    allow_path: AllowOpt = None,
    quiet: QuietOpt = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one summary line as JSON on stdout.")] = False,
) -> None:
    """Render one video per row of ROWS (or per script), skipping those already made from the same
    inputs. Writes batch.jsonl and report.html beside the videos.

    Exit codes: 0 all rows done or skipped, 3 some rows failed, 2 bad input (nothing rendered),
    130 interrupted (finished videos are kept; rerun to finish).
    """
    from avatar.batches import run_batch
    from avatar.script import parse_variables

    logging.basicConfig(level=logging.ERROR)
    show = not quiet and not as_json and err.is_terminal
    columns = (TextColumn("[bold]videos"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[state]}"),
               TimeElapsedColumn(), TimeRemainingColumn())
    with _errors_as_exit_codes("interrupted; finished videos are kept, run the same command again to finish"):
        with _options_named_as_flags():
            variables = parse_variables(var)
            options = {"portrait": portrait, "voice": voice, "template": template, "fps": fps, "size": size,
                       "seed": seed, "captions": captions, "landmarks": landmarks, "scorm": scorm,
                       "sign_cert": sign_cert, "sign_key": sign_key,
                       "allow_paths": tuple(allow_path or ()) or None}
            with Progress(*columns, console=err, disable=not show) as bar:
                task = bar.add_task("videos", total=None, state="")

                def progress(state) -> None:
                    bar.update(task, total=len(state.rows), completed=state.settled,
                               state=f"{state.count('done')} done, {state.count('skipped')} skipped, "
                                     f"{state.count('failed')} failed")

                result = run_batch(script, rows, output, jobs=jobs, executor=executor, address=address,
                                   progress=progress, variables=variables,
                                   **{k: v for k, v in options.items() if v is not None})
    summary = result.summary()
    if as_json:
        typer.echo(json.dumps(summary))
    elif not quiet:
        for row in result.rows:
            if row.status == "failed":
                _say("red", f"row {row.row} failed:", str(row.error))
        err.print(escape(f"{summary['done']} done, {summary['skipped']} skipped, {summary['failed']} failed in "
                         f"{summary['wall_time']:.1f} s; report: {result.report}"), highlight=False)
    if summary["failed"]:
        raise typer.Exit(EXIT_SOME_FAILED)


@app.command()
def voices(
    engine: Optional[str] = typer.Option(None, "--engine", help="Only this engine's voices (espeak, piper, coqui)."),
    language: Optional[str] = typer.Option(None, "--language", help="Only voices whose language starts with this, e.g. en, de."),
    as_json: bool = typer.Option(False, "--json", help="Print the list as JSON."),
) -> None:
    """List the installed voices: engine, language, sample rate, licence, and whether it gives timings."""
    from speech.errors import SpeechError
    from speech.tts import default_voice, installed_voices, list_voices

    if engine:
        try:
            found, missing = list_voices(engine), {}
        except SpeechError as exc:
            _fail(str(exc), EXIT_BAD_INPUT)
    else:
        found, missing = installed_voices()
    if language:
        found = [v for v in found if v.language.lower().startswith(language.lower())]
    default = default_voice(language or "en")
    if as_json:
        typer.echo(json.dumps({"voices": [v.__dict__ for v in found], "default": list(default),
                               "unavailable": missing}, ensure_ascii=False))
        return
    from rich.table import Table

    table = Table("voice", "engine", "language", "name", "rate", "licence", "timings")
    for v in found:
        mark = " *" if (v.engine, v.id) == default else ""
        table.add_row(v.id + mark, v.engine, v.language, v.name, str(v.sample_rate), v.licence,
                      "yes" if v.gives_timings else "aligned")
    out = Console()
    out.print(table)
    out.print(f"* default for {language or 'en'}: {default[0]}:{default[1]}", highlight=False)
    for name, why in missing.items():
        out.print(f"[dim]{name}: {why}[/]", highlight=False)


@app.command()
def check(
    script: Path = typer.Argument(..., help="Script file: Markdown (Marp style) or YAML."),
    portrait: PortraitOpt = None,
    voice: VoiceOpt = None,
    template: TemplateOpt = None,
    var: VarOpt = None,
    size: SizeOpt = None,
    landmarks: LandmarksOpt = "mediapipe",
    sign_cert: SignCertOpt = None,
    sign_key: SignKeyOpt = None,
    allow_path: AllowOpt = None,
    quiet: QuietOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Check SCRIPT without rendering: front matter, directives, layouts, text fit, fonts, images,
    recordings, music, voice and portrait. One line per problem; exit 2 when there is any."""
    from avatar.check import check_job
    from avatar.job import make_job
    from avatar.script import parse_variables

    logging.basicConfig(level=logging.ERROR)
    with _errors_as_exit_codes():
        variables = parse_variables(var)
        with _options_named_as_flags():
            job = make_job(script, None, portrait=portrait, voice=voice, template=template, variables=variables,
                           size=size, landmarks=landmarks, sign_cert=sign_cert, sign_key=sign_key,
                           allow_paths=tuple(allow_path or ()) or None)
        report = check_job(job)
    if as_json:
        typer.echo(json.dumps({"ok": report.ok, "slides": report.slides, "problems": report.problems,
                               "warnings": report.warnings}))
    else:
        from avatar.script import OutsideFolder

        outside = {str(e) for e in report.errors if isinstance(e, OutsideFolder)}
        for problem in report.problems:
            _say("red", "error:", f"{problem} {ALLOW_HINT}" if problem in outside else problem)
        if not quiet:
            for warning in report.warnings:
                _say("yellow", "warning:", warning)
            if report.ok:
                _say("green", "ok", f"{script}: {report.slides} slides")
    if not report.ok:
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command()
def themes(
    as_json: bool = typer.Option(False, "--json", help='Print a JSON list of {"name": ..., "layouts": [...], '
                                                       '"mode": "light"|"dark", "description": ...}.'),
    sheet: Optional[Path] = typer.Option(None, "--sheet", metavar="PNG",
                                         help="Also draw every layout of every theme into this PNG."),
) -> None:
    """List the shipped slide themes and the layouts each can draw."""
    from avatar.slides import available_themes, load_theme, theme_layouts

    found = []
    with _errors_as_exit_codes():
        for name in available_themes():
            theme = load_theme(name)
            found.append({"name": name, "layouts": theme_layouts(theme), "mode": theme.mode,
                          "description": theme.description, "path": str(theme.path)})
        if sheet is not None:
            from avatar.sheets import theme_sheet

            try:
                theme_sheet(sheet)
            except OSError as exc:
                raise AvatarError(sheet, f"cannot write the sheet: {exc.strerror or exc}") from None
    if as_json:
        typer.echo(json.dumps(found))
        return
    for theme in found:
        typer.echo(f"{theme['name']} ({theme['mode']}): {theme['description']}\n  layouts: {', '.join(theme['layouts'])}")


@app.command()
def say(
    text: str = typer.Argument(..., help="What to say (may use \\[pause 500ms])."),
    output: Path = typer.Option(..., "-o", "--output", help="Output .wav file."),
    voice: Optional[str] = typer.Option(None, "--voice", help="Voice id or engine:voice (see `avatar voices`)."),
    language: str = typer.Option("en", "--language", help="Language for number reading and the default voice."),
    rate: float = typer.Option(1.0, "--rate", help="Speaking rate (1.0 normal)."),
) -> None:
    """Speak TEXT to a WAV file for a quick listen (loudness-normalised, as in videos)."""
    import soundfile

    from avatar.files import atomic_path
    from speech.errors import SpeechError
    from speech.speak import speak
    from speech.tts import resolve_voice

    with _errors_as_exit_codes():
        _check_output_file(output, ".wav")
        if not 0.25 < rate <= 4:
            raise AvatarError("--rate", f"expected a rate between 0.25 and 4, got {rate}")
        if not text.strip():
            raise AvatarError("TEXT", "nothing to say")
        engine, voice_id = resolve_voice(voice, language)
        try:
            utterance = speak(text, engine=engine, voice=voice_id, rate=rate, language=language)
        except SpeechError as exc:
            raise AvatarError(f"voice {voice!r}" if voice else "voice", str(exc)) from None
        if not utterance.words:
            raise AvatarError("TEXT", f"nothing to say: {text!r} has no words to speak")
        with atomic_path(output) as tmp:  # the temporary name ends in .wav, which soundfile reads as the format
            soundfile.write(str(tmp), utterance.samples, utterance.sample_rate)
    _say("green", "wrote", f"{output} ({utterance.duration:.1f} s, {engine}:{voice_id})")


SCRIPT_SUFFIXES = {".md", ".markdown", ".yaml", ".yml"}


@app.command()
def lipsync(
    source: Path = typer.Argument(..., help="A script (.md/.yaml) or an audio file (.wav, .flac, .ogg)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Output file (default: SOURCE's name with .json/.tsv, in the current folder)."),
    fmt: str = typer.Option("json", "--format", "-f", help="json (all parameters, shapes, phones) or tsv (one row per frame)."),
    text: Optional[str] = typer.Option(None, "--text", help="Transcript of an audio file (text, or a path to a .txt file) for forced alignment."),
    voice: Optional[str] = typer.Option(None, "--voice", help="Voice for a script's narration (as for render)."),
    var: Optional[List[str]] = typer.Option(None, "--var", help="Template variable key=value for a script (repeatable)."),
    fps: int = typer.Option(25, "--fps", help="Frames per second of the timeline."),
    seed: int = typer.Option(0, "--seed", help="Seed for blinks and head motion."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No output but errors."),
) -> None:
    """Export our lip-sync as a per-frame timeline (mouth parameters + Rhubarb-style shapes A-H, X)."""
    from avatar.motion.timeline import timeline, write
    from avatar.narration import timeline_pieces

    if fmt not in {"json", "tsv"}:
        _fail(f"--format: expected json or tsv, got {fmt!r}", EXIT_BAD_INPUT)
    if not 10 <= fps <= 60:
        _fail(f"--fps: expected 10 to 60, got {fps}", EXIT_BAD_INPUT)
    warnings: list[str] = []

    def warn(message: str) -> None:
        warnings.append(message)
        if not quiet:
            _say("yellow", "warning:", message)

    out = output or Path.cwd() / f"{source.stem}.{fmt}"
    with _errors_as_exit_codes():
        _check_output_file(out, f".{fmt}")
        if seed < 0:
            raise AvatarError("--seed", f"expected a seed of 0 or more, got {seed}")
        pieces = timeline_pieces(source, fps=fps, voice=voice, transcript=text, variables=var, seed=seed,
                                 is_script=source.suffix.lower() in SCRIPT_SUFFIXES, warn=warn)
        path = write(timeline(pieces, fps), out, fmt)
    if not quiet:
        _say("green", "wrote", str(path))


def _plain_metavars(command) -> None:
    """Usage and option lines as Click writes them (`SCRIPT`, `--fps INTEGER`, a bare `--quiet`)
    instead of this Typer's `{script}` and a type tag on every option, flags included."""
    from typer.core import TyperArgument

    names = {"str": "TEXT", "int": "INTEGER", "float": "FLOAT", "Path": "PATH", "list[str]": "TEXT"}
    for sub in getattr(command, "commands", {}).values():
        _plain_metavars(sub)
    made_help = command.get_help_option

    def help_option(ctx, made_help=made_help):
        option = made_help(ctx)
        if option is not None:
            option.metavar = ""
        return option

    command.get_help_option = help_option
    for param in command.params:
        if isinstance(param, TyperArgument):
            param.metavar = param.metavar or param.name.upper()
            shown = param.metavar if param.required else f"[{param.metavar}]"
            param.get_usage_pieces = lambda ctx, shown=shown: [shown]
            param.display_type_rich = lambda ctx: None  # the name says it; no `<path>` beside it
        elif getattr(param, "is_flag", False) or getattr(param, "count", False):
            param.metavar = ""
        elif param.metavar is None:
            bare = param.bare_type()
            param.metavar = names.get(bare, bare.upper())


def command():
    """The `avatar` command (the console script's entry point builds it from here)."""
    built = typer.main.get_command(app)
    _plain_metavars(built)
    return built


def run() -> None:
    """The console script: `avatar ...`."""
    command()()


if __name__ == "__main__":  # pragma: no cover
    run()
