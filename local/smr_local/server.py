"""`make run`: the registry on one port, an embedded AWS (moto) on another, data kept in a folder.

    python -m smr_local [--host 127.0.0.1] [--port 5000] [--aws-port PORT+1] [--data-dir .smr] [--no-auth]

Environment defaults: SMR_HOST, SMR_PORT, SMR_AWS_PORT, SMR_DATA_DIR, SMR_LOCAL_AUTH (on|off),
SMR_LOCAL_CREDENTIALS (more `KEY:SECRET:user-name` pairs, comma-separated, beside the printed one).
On start it also writes the `export` lines to <data dir>/env, for `source .smr/env` in another shell.
As API Gateway with IAM authorization does, every request must be SigV4-signed (service execute-api) by a known
key, unless started with --no-auth; see docs/auth.md. Port 0 picks a free port (the chosen ones are
printed). On start it prints the `export` lines a client needs; SIGINT/SIGTERM stop it (every acknowledged write
is already journaled). GET /api/2.0/smr/local/health (loopback only) shows the event pumps, queue pollers and journal.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from werkzeug.serving import BaseWSGIServer

from smr_local import client_env, sigv4
from smr_local import template as stack
from smr_local.aws import LOCAL_ACCESS_KEY_ID, LOCAL_REGION, LOCAL_SECRET_ACCESS_KEY, EmbeddedAws
from smr_local.console import ConsoleSessions, LocalConsole
from smr_local.events import LocalEventPumps, create_event_resources
from smr_local.gateway import FunctionLoader, LocalHttpApi, LocalIdentity
from smr_local.health import LocalHealthView
from smr_local.http_errors import make_api_server
from smr_local.persistence import Persistence
from smr_local.queues import (
    QueuePollers,
    configure_notifications,
    create_queues,
    function_queue_environment,
    requeue_pending_copies,
    sqs_subscriptions,
)

LOGGER = logging.getLogger("smr_local")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000
DEFAULT_DATA_DIR = stack.REPO_ROOT / ".smr"
LOCAL_STACK = stack.StackContext(account_id=LocalIdentity().account_id, region=LOCAL_REGION)
# The key pair the server prints (and moto accepts): signing with it makes a request from the local user smr-local.
DEFAULT_CREDENTIAL = sigv4.LocalCredential(LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY, LocalIdentity().user_name)


@dataclass(frozen=True)
class Options:
    host: str
    port: int
    aws_port: int
    data_dir: Path
    # None: no signature needed (--no-auth); otherwise the keys whose signatures are accepted.
    credentials: dict[str, sigv4.LocalCredential] | None


def parse_options(argv: Sequence[str] | None = None, environ: dict[str, str] | None = None) -> Options:
    environ = dict(os.environ) if environ is None else environ
    parser = argparse.ArgumentParser(prog="python -m smr_local", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=environ.get("SMR_HOST", DEFAULT_HOST), help="address to listen on")
    parser.add_argument(
        "--port", type=int, default=int(environ.get("SMR_PORT", DEFAULT_PORT)), help="registry port (0: any free)"
    )
    parser.add_argument(
        "--aws-port",
        type=int,
        default=int(environ["SMR_AWS_PORT"]) if environ.get("SMR_AWS_PORT") else None,
        help="embedded AWS (moto) port; default: the registry port + 1 (0: any free)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(environ.get("SMR_DATA_DIR") or DEFAULT_DATA_DIR),
        help="where models and artifacts are kept between runs",
    )
    # Saves used to run every N seconds; every write is journaled now. Still accepted, so old commands keep working.
    parser.add_argument("--autosave-interval", type=float, help=argparse.SUPPRESS)
    parser.add_argument(
        "--no-auth",
        action="store_true",
        default=environ.get("SMR_LOCAL_AUTH", "on").lower() in ("off", "0", "false", "no"),
        help="accept unsigned requests (all run as the local user); default: SigV4 signatures required",
    )
    arguments = parser.parse_args(argv)
    credentials: dict[str, sigv4.LocalCredential] | None = None
    if not arguments.no_auth:
        try:
            extra = sigv4.parse_credentials(environ.get("SMR_LOCAL_CREDENTIALS", ""))
        except ValueError as error:
            parser.error(f"SMR_LOCAL_CREDENTIALS: {error}")
        credentials = {DEFAULT_CREDENTIAL.access_key: DEFAULT_CREDENTIAL, **extra}
    aws_port = arguments.aws_port
    if aws_port is None:
        aws_port = arguments.port + 1 if arguments.port else 0
    return Options(
        host=arguments.host,
        port=arguments.port,
        aws_port=aws_port,
        data_dir=arguments.data_dir.resolve(),
        credentials=credentials,
    )


def function_environment(template: stack.Template, table_name: str, aws: EmbeddedAws) -> dict[str, str]:
    """What the functions see: the template's Globals environment plus where the (local) AWS is."""
    context = stack.StackContext(
        account_id=LOCAL_STACK.account_id,
        region=LOCAL_STACK.region,
        stack_name=LOCAL_STACK.stack_name,
        physical_ids={stack.single_resource(template, stack.TABLE_TYPE)[0]: table_name},
    )
    environment = stack.function_environment(template, context)
    # The stack parameter's local stand-in: admins given to `make run` in its own environment.
    if os.environ.get("SMR_ADMIN_PRINCIPALS"):
        environment["SMR_ADMIN_PRINCIPALS"] = os.environ["SMR_ADMIN_PRINCIPALS"]
    # A folder dropped under incoming/ acts as the local user (owner of the models it creates) unless told otherwise.
    environment["SMR_AUTO_REGISTRATION_OWNER"] = os.getenv("SMR_AUTO_REGISTRATION_OWNER") or LocalIdentity().user_arn
    return {
        **environment,
        "AWS_ENDPOINT_URL": aws.endpoint_url,
        "AWS_DEFAULT_REGION": LOCAL_REGION,
        "AWS_REGION": LOCAL_REGION,
        "AWS_ACCESS_KEY_ID": LOCAL_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": LOCAL_SECRET_ACCESS_KEY,
        "AWS_EC2_METADATA_DISABLED": "true",
        # moto, unlike DynamoDB, does not deduplicate a retried TransactWriteItems by its ClientRequestToken, and it
        # answers slowly under load behind its lock: a short read timeout would make botocore retry a write that
        # already landed. Locally, wait instead.
        "SMR_DYNAMODB_READ_TIMEOUT_S": "120",
    }


def client_exports(registry_url: str, aws: EmbeddedAws, table_name: str, bucket: str) -> dict[str, str]:
    """What a client sets to use this server (printed as `export` lines).

    MLFLOW_TRACKING_AUTH=smr makes the stock mlflow client sign its requests (with the AWS_* credentials below), as
    the API in AWS requires, through the SDK's plugin (smr.mlflow_auth: mlflow's own MLFLOW_TRACKING_AWS_SIGV4=true
    works too, at ~10 ms of client CPU per request); the smr SDK and CLI always sign and find the server through
    SMR_ENDPOINT.
    """
    return {
        # smr serves the tracking calls log_model needs too, so one URL is the whole MLflow backend.
        "MLFLOW_TRACKING_URI": registry_url,
        "MLFLOW_REGISTRY_URI": registry_url,
        "MLFLOW_TRACKING_AUTH": "smr",
        "SMR_ENDPOINT": registry_url,
        "MLFLOW_S3_ENDPOINT_URL": aws.endpoint_url,
        "AWS_ENDPOINT_URL": aws.endpoint_url,
        "AWS_ACCESS_KEY_ID": LOCAL_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": LOCAL_SECRET_ACCESS_KEY,
        "AWS_DEFAULT_REGION": LOCAL_REGION,
        "SMR_BUCKET": bucket,
        "SMR_TABLE": table_name,
    }


def serve(options: Options) -> int:
    # Handlers first: a signal during start-up must still end in the clean stop below, not a bare exit.
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            # A second signal (make and the shell both pass on a Ctrl-C or a SIGTERM to the process group): leave
            # now. Nothing is lost: every acknowledged write is already in the journal.
            LOGGER.info("%s again: exiting now; every acknowledged write is already saved", signal.Signals(signum).name)
            os._exit(0)
        LOGGER.info("%s: stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    template = stack.load_template()
    table_name = f"{LOCAL_STACK.stack_name}-registry"
    bucket = stack.bucket_name(template, LOCAL_STACK)

    client_env.check_ports_free(options.host, options.port, options.aws_port)
    aws = EmbeddedAws(options.host, options.aws_port)
    aws.start()
    # Before any handler is imported: they read their configuration once, at import.
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        os.environ.pop(name, None)
    os.environ.update(function_environment(template, table_name, aws))

    stack.create_table(aws.client("dynamodb"), table_name, template)
    stack.create_bucket(aws.client("s3"), bucket, template)
    # The queues, and the bucket's notifications to them, before anything is restored into the bucket: restored
    # uploads are not registered twice (their upload records are restored too).
    queues = create_queues(aws.client("sqs"), template, LOCAL_STACK)
    os.environ.update(function_queue_environment(template, queues))
    event_resources = create_event_resources(template, aws, LOCAL_STACK.stack_name)
    os.environ.update(event_resources.environment())
    persistence = Persistence(options.data_dir, aws, table_name, bucket)
    restored = persistence.restore()
    configure_notifications(aws.client("s3"), bucket, template, queues)
    LOGGER.info("restored %d items and %d objects from %s", restored.items, restored.objects, options.data_dir)
    copy_queue_url = os.environ.get("SMR_COPY_QUEUE_URL", "")
    if copy_queue_url and restored.items:
        requeued = requeue_pending_copies(restored.item_images, aws.client("sqs"), copy_queue_url)
        if requeued:
            LOGGER.info("queued again the copies of %d versions pending registration", requeued)
    restored.item_images.clear()  # only start-up needed them

    # Lambda puts the layer's python/ directory on sys.path; here the layer's source is the equivalent.
    layer_path = str(stack.REPO_ROOT / "layers" / "registry_core")
    if layer_path not in sys.path:
        sys.path.insert(0, layer_path)
    functions = {
        function_id: stack.function_settings(template, function_id)
        for function_id in stack.resources_of_type(template, stack.FUNCTION_TYPE)
    }
    loader = FunctionLoader(stack.REPO_ROOT)
    api = LocalHttpApi(
        stack.http_routes(template),
        functions,
        loader,
        region=LOCAL_REGION,
        credentials=options.credentials,
    )
    pollers = QueuePollers(
        sqs_subscriptions(template, queues),
        lambda: aws.client("sqs"),
        loader,
        LOCAL_REGION,
        has_messages=aws.has_visible_messages,
    )
    pollers.start()
    # After the restore: the pumps publish only what changes from now on.
    pumps = LocalEventPumps(template, aws, table_name, event_resources, FunctionLoader(stack.REPO_ROOT))
    health = LocalHealthView(
        api, {"events": pumps.health, "queue_pollers": pollers.health, "journal": persistence.status}
    )
    # The console signs in as the printed principal, through a one-time link (smr_local.console).
    sessions = None if options.credentials is None else ConsoleSessions(DEFAULT_CREDENTIAL)
    app = LocalConsole(
        health, sessions, LOCAL_REGION, announce=lambda url: LOGGER.info("next console sign-in: %s", url)
    )
    http: BaseWSGIServer = make_api_server(options.host, options.port, app)
    # A short poll interval only makes shutdown prompt; requests are served as they arrive either way.
    http_thread = threading.Thread(
        target=http.serve_forever, kwargs={"poll_interval": 0.1}, name="smr-http", daemon=True
    )
    http_thread.start()
    pumps.start()

    registry_url = f"http://{options.host}:{http.server_port}"
    print(f"smr local registry on {registry_url} (embedded AWS on {aws.endpoint_url}, data in {options.data_dir})")
    if options.credentials is None:
        print("# authentication is OFF (--no-auth): unsigned requests are accepted")
    else:
        print(
            f"# requests must be SigV4-signed (execute-api, {LOCAL_REGION}) by one of: {', '.join(options.credentials)}"
        )
    console_url = f"{registry_url}/" + (f"?token={sessions.token}" if sessions is not None else "")
    print(f"# console (open in a browser on this machine; the link works once): {console_url}")
    exports = client_exports(registry_url, aws, table_name, bucket)
    env_file = client_env.display_path(client_env.write_env_file(options.data_dir, exports))
    print(f"# Client packages (stock mlflow client, smr SDK and CLI), from the repository: {client_env.CLIENT_INSTALL}")
    print(f"# To use it, in another shell: source {env_file}   (or set these):")
    for line in client_env.export_lines(exports):
        print(line)
    print("# Ctrl-C stops it; models and artifacts are kept in the data directory.", flush=True)

    try:
        while not stop.wait(1.0):
            pass
    finally:
        http.shutdown()
        http_thread.join()
        pumps.stop()
        http.server_close()
        pollers.stop()
        persistence.stop()
        aws.stop()
    LOGGER.info("saved to %s; bye", options.data_dir)
    return 0


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    # Our own handler, not the root's: Powertools' Logger(service="smr") filters the root handlers to drop every
    # record whose logger name contains "smr" (its log deduplication), which would silence smr_local.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    LOGGER.addHandler(handler)
    LOGGER.setLevel(logging.INFO)
    LOGGER.propagate = False
    # One line per registry request comes from the gateway; werkzeug's and moto's own request logs are noise.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("botocore").setLevel(logging.WARNING)
    return serve(parse_options(argv))
