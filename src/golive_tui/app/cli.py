"""The ``golive`` command: the app, the demo, connecting, scripting, the server and its admin."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from golive_tui import __version__
from golive_tui.app.exit_codes import ExitCode

HEAVY_COMMANDS = {
    "connect": "connect to a golive server with a token",
    "status": "the project, its gate, ports and open issues (for people and scripts)",
    "portfolio": "every project you are a member of: gates, P1/P2, SLA breaches, collisions",
    "export": "numbers, orders, issues, checklist or verifications as CSV or JSON",
    "report": "the go-live, hypercare, hand-off or closure report as HTML or Markdown",
    "import": "numbers, sites or port orders from a CSV file, previewed line by line",
    "server": "run the shared backend",
    "admin": "manage projects, users and tokens of the shared backend",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; the server and connect commands' own parsers are built only when used,
    so that ``golive --version`` and opening the app do not import the web stack."""
    parser = argparse.ArgumentParser(
        prog="golive",
        description="The terminal command center for go-live day of a Zoom Phone rollout.",
    )
    parser.add_argument("--version", action="version", version=f"golive {__version__}")
    parser.add_argument(
        "--profile", metavar="NAME", default=None,
        help="use this profile's connection, token and cache (or set GOLIVE_PROFILE)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="open the app on the connected server (the default)")
    run.add_argument("--cache", type=Path, help="use this cache file")

    demo = sub.add_parser(
        "demo", help="open the app on the demo go-live (an embedded server on this machine)"
    )
    demo.add_argument("--offline", action="store_true",
                      help="no server at all: the app works on a local cache only")
    demo.add_argument("--dir", type=Path,
                      help="keep the demo's server database, cache and log here (default: "
                           "demo/, or demo-offline/, in golive's data folder)")
    demo.add_argument("--reset", action="store_true",
                      help="start the demo over: delete its data first, queued changes too")
    demo.add_argument("--theme", help="golive-dark, golive-light or golive-high-contrast")
    demo.add_argument("--as", dest="as_role", choices=("ipm", "customer", "support"),
                      default="ipm",
                      help="sign in as the demo's IPM (the default), as its customer main "
                           "contact, who co-signs a wave's go-live and accepts the project, "
                           "or as its service desk, which acknowledges the hand-off")

    _add_web_parser(sub)

    smoke = sub.add_parser("smoke", help="start the app headless on the demo data and exit")
    smoke.add_argument("--dir", type=Path, help="where to put the temporary cache")

    if command == "connect":
        from golive_tui.app.connect import add_connect_arguments, connect_command

        connect = sub.add_parser("connect", help=HEAVY_COMMANDS["connect"])
        add_connect_arguments(connect)
        connect.set_defaults(handler=connect_command)
    elif command in ("status", "export", "portfolio", "report"):
        from golive_tui.app.scripting import register_scripting

        register_scripting(sub, HEAVY_COMMANDS)
    elif command == "import":
        from golive_tui.app.importing import register_import

        register_import(sub, HEAVY_COMMANDS)
    elif command in ("server", "admin"):
        from golive_tui.server.cli import register

        register(sub)
    else:
        for name, help_text in HEAVY_COMMANDS.items():
            sub.add_parser(name, help=help_text, add_help=False)
    return parser


def _command_word(argv: Sequence[str]) -> str | None:
    """The command named in ``argv``: its first word that is neither an option nor the
    value of ``--profile``."""
    words = iter(argv)
    for arg in words:
        if arg == "--profile":
            next(words, None)
        elif not arg.startswith("-"):
            return arg
    return None


def _add_web_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    web = sub.add_parser(
        "web", help="serve the app in a browser, behind sign-in with a golive token",
        description="Serve the app in a browser. Each browser signs in with its golive token "
                    "and runs its own golive connected with it.")
    web.add_argument("--host", default="127.0.0.1",
                     help="address to serve on (default 127.0.0.1, this machine only); any "
                          "other needs --certfile and --keyfile, or --insecure-bind")
    web.add_argument("--port", type=int, default=None,
                     help="port to serve on (default 8767; 0 picks a free one)")
    web.add_argument("--server", metavar="URL",
                     help="the golive server the browsers work on (default: the one "
                          "golive connect saved)")
    web.add_argument("--project", metavar="PID",
                     help="open this project (default: the user's only one, or they choose)")
    web.add_argument("--certfile", type=Path, help="TLS certificate (PEM): serve HTTPS")
    web.add_argument("--keyfile", type=Path, help="the certificate's private key (PEM)")
    web.add_argument("--insecure-bind", action="store_true",
                     help="allow plain HTTP on an address other than loopback")
    web.add_argument("--insecure", action="store_true",
                     help="allow a golive server on another machine over plain HTTP")
    web.add_argument("--demo", action="store_true",
                     help="serve the demo go-live: an embedded server on this machine, "
                          "signed in with the demo's token (printed at the start)")
    web.add_argument("--dir", type=Path,
                     help="keep the browsers' caches here (with --demo: the demo's data "
                          "too; default: web/, or web-demo/, in golive's data folder)")
    web.add_argument("--reset", action="store_true",
                     help="with --demo: start the demo over, deleting its data first")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = _command_word(argv)
    if command in ("server", "admin"):
        from golive_tui.app.extras import SERVER, missing_extra

        refusal = missing_extra(command, SERVER)
        if refusal is not None:
            return refusal
    parser = build_parser(command if command in HEAVY_COMMANDS else None)
    args = parser.parse_args(argv)
    if args.profile is not None:
        from golive_tui.config import PROFILE_ENV, check_profile_name

        try:
            check_profile_name(args.profile)
        except ValueError as exc:
            print(f"golive: {exc}", file=sys.stderr)
            return ExitCode.USAGE
        # every setting read from here on (config file, token, caches) is the profile's
        os.environ[PROFILE_ENV] = args.profile
    else:
        from golive_tui.config import profile_name

        try:
            profile_name()
        except ValueError as exc:
            print(f"golive: GOLIVE_PROFILE: {exc}", file=sys.stderr)
            return ExitCode.USAGE
    command = args.command or "run"
    if command == "demo":
        return _demo(args)
    if command == "smoke":
        return _smoke(args)
    if command == "web":
        return _web(args)
    if command == "run":
        return _run(args)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return ExitCode.USAGE
    result = handler(args)
    return int(result or 0)


def _demo(args: argparse.Namespace) -> int:
    if args.theme is not None:
        from golive_tui.tui.themes import theme_names

        names = theme_names()
        if args.theme not in names:
            print(f"golive: there is no theme {args.theme!r}. The themes are: "
                  f"{', '.join(names)}.", file=sys.stderr)
            return ExitCode.USAGE
    if not args.offline:
        from golive_tui.app.extras import SERVER, missing_extra

        refusal = missing_extra("demo", SERVER)
        if refusal is not None:
            print("Or try the demo without a server: golive demo --offline", file=sys.stderr)
            return refusal
    refusal = _without_terminal()
    if refusal is not None:
        return refusal
    from golive_tui.app.demo import run_demo

    workdir = args.dir or _demo_folder(offline=args.offline)
    if args.reset:
        _reset_demo(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    from golive_tui.domain.enums import Role

    return run_demo(workdir, offline=args.offline, theme=args.theme, role=Role(args.as_role))


def _demo_folder(*, offline: bool) -> Path:
    """The demo's own folder in golive's data folder, the same at every start, so that a
    restart finds its queued changes. The offline demo keeps its own: a cache loaded
    straight from the fixture has never been synced, so a server cannot continue it."""
    from golive_tui.config import load_settings

    return load_settings().data_dir / ("demo-offline" if offline else "demo")


def _reset_demo(workdir: Path) -> None:
    """Delete the demo's databases and token (not its log), and nothing else: ``--dir``
    may name any folder."""
    for name in ("server.db", "cache.db", "cache-customer.db", "cache-support.db"):
        for suffix in ("", "-wal", "-shm", "-journal"):
            (workdir / f"{name}{suffix}").unlink(missing_ok=True)
    for name in ("token", "token-customer", "token-support", "project"):
        (workdir / name).unlink(missing_ok=True)


def _run(args: argparse.Namespace) -> int:
    refusal = _without_terminal()
    if refusal is not None:
        return refusal
    from golive_tui.app.launch import run_connected

    return run_connected(cache=getattr(args, "cache", None))


def _without_terminal() -> int | None:
    """The exit status when golive was started without a terminal to draw on, else None."""
    from golive_tui.tui.terminal import EXIT_NO_TERMINAL, missing_terminal, needs_terminal

    stream = missing_terminal()
    if stream is None:
        return None
    print(needs_terminal(stream), file=sys.stderr)
    return EXIT_NO_TERMINAL


def _web(args: argparse.Namespace) -> int:
    from golive_tui.app.extras import SERVER, WEB, missing_extra

    refusal = missing_extra("web --demo" if args.demo else "web",
                            *((WEB, SERVER) if args.demo else (WEB,)))
    if refusal is not None:
        return refusal
    from golive_tui.app import web
    from golive_tui.config import load_settings
    from golive_tui.sync.client import plain_http_refusal

    bind = web.bind_refusal(args.host, tls=args.certfile is not None or args.keyfile is not None,
                            insecure_bind=args.insecure_bind)
    if bind is not None:
        print(bind, file=sys.stderr)
        return ExitCode.REFUSED
    try:
        context = web.tls_context(args.certfile, args.keyfile)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return ExitCode.USAGE
    settings = load_settings()
    port = web.DEFAULT_PORT if args.port is None else args.port
    if args.demo:
        from golive_tui.app.launch import prepare_demo
        from golive_tui.server.embedded import EmbeddedServer

        workdir = args.dir or settings.data_dir / "web-demo"
        if args.reset:
            _reset_demo(workdir)
        workdir.mkdir(parents=True, exist_ok=True)
        demo = prepare_demo(workdir)
        with EmbeddedServer(db_url=demo.db_url) as server:
            return web.serve(web.WebSettings(
                server_url=server.url, data_dir=workdir, host=args.host, port=port,
                project_id=demo.project_id, ssl_context=context, title="golive demo",
                notice=f"golive web: the demo's token (also in {workdir / 'token'}): "
                       f"{demo.token}",
            ))
    if args.reset:
        print("golive web: --reset starts the demo over; it goes with --demo.", file=sys.stderr)
        return ExitCode.USAGE
    server_url = (args.server or settings.server_url or "").strip().rstrip("/")
    if not server_url:
        print("golive web: which golive server? Pass --server URL, connect first "
              "(golive connect URL), or try it on the demo: golive web --demo",
              file=sys.stderr)
        return ExitCode.USAGE
    if "://" not in server_url:
        server_url = f"http://{server_url}"
    same_server = args.server is None or server_url == (settings.server_url or "").rstrip("/")
    # the tokens people sign in with go on to the golive server: not over plain HTTP to
    # another machine unless said (here, or saved by golive connect --insecure for it)
    insecure = args.insecure or (same_server and settings.insecure)
    refusal_text = plain_http_refusal(server_url, insecure=insecure)
    if refusal_text is not None:
        print(f"golive web: {refusal_text}", file=sys.stderr)
        return ExitCode.REFUSED
    return web.serve(web.WebSettings(
        server_url=server_url, data_dir=args.dir or settings.data_dir / "web", host=args.host,
        port=port, project_id=args.project or (settings.project_id if same_server else None),
        ssl_context=context, insecure=insecure,
    ))


def _smoke(args: argparse.Namespace) -> int:
    """Start the app headless on the demo data: proves an install works end to end."""
    from golive_tui.tui.factory import create_demo_app

    workdir = args.dir or Path(tempfile.mkdtemp(prefix="golive-smoke-"))
    app = create_demo_app(workdir / "cache.db")

    async def drive() -> str:
        async with app.run_test(size=(80, 24)) as pilot:
            await asyncio.wait_for(app.store_ready.wait(), timeout=60)
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            store = app.store
            assert store is not None
            project = store.project()
            assert project is not None, "the demo project did not load"
            return f"{type(app.screen).__name__} on {project.customer}"

    print(f"smoke ok: {asyncio.run(drive())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
