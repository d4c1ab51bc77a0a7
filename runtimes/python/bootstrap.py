"""Selfless python bootstrap: AWS Lambda's Python runtime on this machine's /usr/bin/python3.

Standard library only. With ``--fd=3`` it talks length-prefixed frames over the inherited socket fd 3
(the platform's private fast channel: u32 header length, u32 body length, JSON header, raw body);
otherwise it is a plain Lambda Runtime API client of AWS_LAMBDA_RUNTIME_API.
"""

import importlib
import json
import logging
import os
import resource
import socket
import struct
import sys
import time

FAST = "--fd=3" in sys.argv
del sys.argv[1:]
BOOTSTRAP_FILE = os.path.abspath(__file__)
BOOTSTRAP_DIR = os.path.dirname(BOOTSTRAP_FILE)

_PREFIX = struct.Struct(">II")


class FastTransport:
    """Frames on fd 3.

    Reads block on purpose: while the main thread waits for its next event no code of the function
    runs, which is Lambda's freeze between invocations without the platform stopping the process
    with signals. The ``next`` frame says whether that freeze is complete (no other thread and no
    child process is alive); if not, the platform stops the process group itself.
    """

    def __init__(self):
        self.sock = socket.socket(fileno=3)
        self.sock.setblocking(True)
        self.buf = bytearray()
        self.children_fd = None
        self.next_sent = False

    def _read_exact(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(max(65536, n - len(self.buf)))
            if not chunk:
                # The platform went away: an environment never outlives it.
                os._exit(0)
            self.buf += chunk
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def _read(self):
        hl, bl = _PREFIX.unpack(self._read_exact(8))
        header = json.loads(self._read_exact(hl))
        body = self._read_exact(bl) if bl else b""
        return header, body

    @staticmethod
    def _frame(header, body=b""):
        head = json.dumps(header).encode()
        return _PREFIX.pack(len(head), len(body)) + head + body

    def _send(self, data):
        try:
            self.sock.sendall(data)
        except OSError:
            os._exit(0)

    def _write(self, header, body=b""):
        self._send(self._frame(header, body))

    def _answer(self, header, body):
        """The answer and, as the loop asks for its next event right after, ``next`` in one write."""
        alone = self._runs_alone()
        if alone:
            # The process's own peak RSS, when nothing else of the function runs.
            header["maxRss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        self.next_sent = True
        self._send(self._frame(header, body) + self._frame({"t": "next", "frozen": alone}))

    def _runs_alone(self):
        """No other thread and no child process of the function is alive (unknown counts as no)."""
        try:
            if len(os.listdir("/proc/self/task")) != 1:
                return False
            if self.children_fd is None:
                # Kept open: one pread per check.
                self.children_fd = os.open("/proc/self/task/%d/children" % os.getpid(), os.O_RDONLY | os.O_CLOEXEC)
            return os.pread(self.children_fd, 1, 0) == b""
        except OSError:
            return False

    def init(self):
        header, _ = self._read()
        if header.get("t") != "init":
            raise RuntimeError("selfless bootstrap: expected init frame")
        specialise(header["env"], header["cwd"])

    def next(self):
        if not self.next_sent:
            self._write({"t": "next", "frozen": self._runs_alone()})
        self.next_sent = False
        header, body = self._read()
        return {
            "id": header["id"],
            "deadline": header["deadlineMs"],
            "arn": header.get("arn"),
            "trace": header.get("traceId"),
            "client_context": header.get("clientContext"),
            "identity": header.get("identity"),
            "tenant_id": header.get("tenantId"),
            "body": body,
        }

    def respond(self, request_id, body):
        self._answer({"t": "response", "id": request_id}, body)

    def fail(self, request_id, error_type, body):
        self._answer({"t": "error", "id": request_id, "errorType": error_type}, body)

    def init_error(self, error_type, body):
        self._write({"t": "initError", "errorType": error_type}, body)


class HttpTransport:
    """The Lambda Runtime API 2018-06-01 over one keep-alive connection."""

    def __init__(self):
        import http.client

        host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
        self.conn = http.client.HTTPConnection(host, int(port))

    def _request(self, method, path, body=None, headers=None):
        self.conn.request(method, "/2018-06-01" + path, body=body, headers=headers or {})
        res = self.conn.getresponse()
        data = res.read()
        return res.status, res.getheaders(), data

    def init(self):
        pass

    def next(self):
        status, headers, body = self._request("GET", "/runtime/invocation/next")
        if status != 200:
            raise RuntimeError("Runtime API answered %s to /next: %r" % (status, body))
        h = {k.lower(): v for k, v in headers}
        return {
            "id": h["lambda-runtime-aws-request-id"],
            "deadline": int(h["lambda-runtime-deadline-ms"]),
            "arn": h.get("lambda-runtime-invoked-function-arn"),
            "trace": h.get("lambda-runtime-trace-id"),
            "client_context": h.get("lambda-runtime-client-context"),
            "identity": h.get("lambda-runtime-cognito-identity"),
            "tenant_id": h.get("lambda-runtime-aws-tenant-id"),
            "body": body,
        }

    def _post(self, path, body, headers=None):
        hdrs = {"Content-Type": "application/json"}
        hdrs.update(headers or {})
        status, _, data = self._request("POST", path, body, hdrs)
        if status != 202:
            sys.stderr.write("Runtime API answered %s to POST %s: %r\n" % (status, path, data))

    def respond(self, request_id, body):
        self._post("/runtime/invocation/%s/response" % request_id, body)

    def fail(self, request_id, error_type, body):
        self._post(
            "/runtime/invocation/%s/error" % request_id,
            body,
            {"Lambda-Runtime-Function-Error-Type": error_type},
        )

    def init_error(self, error_type, body):
        self._post("/runtime/init/error", body, {"Lambda-Runtime-Function-Error-Type": error_type})


def specialise(env, cwd):
    """A pre-started process becomes one function's environment."""
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    time.tzset()


def setup_sys_path():
    """sys.path as on Lambda: task root, then layers and the runtime dir (PYTHONPATH), then stdlib."""
    task_root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    extra = [p for p in os.environ.get("PYTHONPATH", "").split(":") if p]
    rest = [p for p in sys.path if p not in ("", BOOTSTRAP_DIR, task_root) and p not in extra]
    sys.path[:] = [task_root] + extra + rest


# --- Logging ---------------------------------------------------------------------------------------

current_request_id = None


class _RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = current_request_id
        return True


class LambdaLoggerHandler(logging.Handler):
    def emit(self, record):
        try:
            msg = self.format(record)
            sys.stdout.write(msg)
            sys.stdout.flush()
        except Exception:
            self.handleError(record)


class JsonFormatter(logging.Formatter):
    """AWS_LAMBDA_LOG_FORMAT=JSON: one JSON object per record."""

    def format(self, record):
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + ".%03dZ" % record.msecs
        out = {
            "timestamp": ts,
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "requestId": getattr(record, "aws_request_id", None),
        }
        if record.exc_info:
            import traceback

            out["errorType"] = record.exc_info[0].__name__
            out["errorMessage"] = str(record.exc_info[1])
            out["stackTrace"] = traceback.format_tb(record.exc_info[2])
        return json.dumps(out, default=str) + "\n"


def setup_logging():
    handler = LambdaLoggerHandler()
    if os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON":
        formatter = JsonFormatter()
    else:
        formatter = logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
            "%Y-%m-%dT%H:%M:%S",
        )
        formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    root.addHandler(handler)
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper()
    if level in ("DEBUG", "INFO", "WARN", "WARNING", "ERROR", "CRITICAL", "FATAL"):
        root.setLevel({"WARN": "WARNING", "FATAL": "CRITICAL"}.get(level, level))


# --- Errors ----------------------------------------------------------------------------------------


class FaultException(Exception):
    def __init__(self, exception_type, msg, trace=None):
        super().__init__(msg)
        self.msg = msg
        self.exception_type = exception_type
        self.trace = trace


def user_stack(tb):
    import traceback

    frames = [f for f in traceback.extract_tb(tb) if os.path.abspath(f.filename) != BOOTSTRAP_FILE]
    return traceback.format_list(frames)


def make_error(message, error_type, stack, request_id):
    return {
        "errorMessage": message if message is not None else "",
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": stack if stack is not None else [],
    }


def log_error(error):
    parts = "[ERROR]"
    if error.get("errorType"):
        parts += " " + error["errorType"]
    if error.get("errorMessage"):
        if error.get("errorType"):
            parts += ":"
        parts += " " + error["errorMessage"]
    lines = [parts]
    if error.get("stackTrace") is not None:
        lines.append("Traceback (most recent call last):")
        for element in error["stackTrace"]:
            if element == "":
                lines.append("")
            else:
                lines.extend(element.splitlines())
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()


def decimal_serializer(o):
    import decimal  # only reached for values json cannot encode itself

    if isinstance(o, decimal.Decimal):
        return float(o)
    raise TypeError(repr(o) + " is not JSON serializable")


def to_json(obj):
    return json.dumps(obj, default=decimal_serializer)


# --- Handler loading -------------------------------------------------------------------------------


def load_handler(handler):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException("Runtime.MalformedHandlerName", "Bad handler '%s': %s" % (handler, e))
    modname = modname.replace("/", ".")
    if modname.split(".")[0] in sys.builtin_module_names:
        raise FaultException(
            "Runtime.BuiltInModuleConflict",
            "Cannot use built-in module %s as a handler module" % modname,
        )
    try:
        module = importlib.import_module(modname)
    except ImportError as e:
        raise FaultException("Runtime.ImportModuleError", "Unable to import module '%s': %s" % (modname, e))
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise FaultException(
            "Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" % (modname, e), trace
        )
    try:
        return getattr(module, fname)
    except AttributeError:
        raise FaultException("Runtime.HandlerNotFound", "Handler '%s' missing on module '%s'" % (fname, modname))


# --- Context ---------------------------------------------------------------------------------------


class CognitoIdentity:
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]

    def __init__(self):
        self.cognito_identity_id = None
        self.cognito_identity_pool_id = None

    def __repr__(self):
        return "CognitoIdentity([cognito_identity_id=%s,cognito_identity_pool_id=%s])" % (
            self.cognito_identity_id,
            self.cognito_identity_pool_id,
        )


class Client:
    __slots__ = ["installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name"]

    def __init__(self):
        for k in self.__slots__:
            setattr(self, k, None)


class ClientContext:
    __slots__ = ["custom", "env", "client"]

    def __init__(self):
        self.custom = None
        self.env = None
        self.client = None


def _parse_json(text):
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


class LambdaContext:
    def __init__(self, invoke_id, client_context, cognito_identity, deadline_ms, invoked_function_arn, tenant_id=None):
        self.aws_request_id = invoke_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id
        self.client_context = None
        cc = _parse_json(client_context)
        if isinstance(cc, dict):
            self.client_context = ClientContext()
            self.client_context.custom = cc.get("custom")
            self.client_context.env = cc.get("env")
            client = cc.get("client")
            if isinstance(client, dict):
                self.client_context.client = Client()
                for k in Client.__slots__:
                    setattr(self.client_context.client, k, client.get(k))
        self.identity = CognitoIdentity()
        ident = _parse_json(cognito_identity)
        if isinstance(ident, dict):
            self.identity.cognito_identity_id = ident.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = ident.get("cognitoIdentityPoolId")
        self._deadline_ms = int(deadline_ms)

    def get_remaining_time_in_millis(self):
        return max(self._deadline_ms - int(round(time.time() * 1000)), 0)

    def log(self, msg):
        sys.stdout.write(str(msg))
        sys.stdout.flush()

    def __repr__(self):
        return (
            "LambdaContext([aws_request_id=%s,log_group_name=%s,log_stream_name=%s,function_name=%s,"
            "memory_limit_in_mb=%s,function_version=%s,invoked_function_arn=%s,client_context=%s,identity=%s])"
            % (
                self.aws_request_id,
                self.log_group_name,
                self.log_stream_name,
                self.function_name,
                self.memory_limit_in_mb,
                self.function_version,
                self.invoked_function_arn,
                self.client_context,
                self.identity,
            )
        )


# --- The invoke loop -------------------------------------------------------------------------------


def handle(transport, handler, inv):
    global current_request_id
    request_id = inv["id"]
    current_request_id = request_id
    if inv.get("trace"):
        os.environ["_X_AMZN_TRACE_ID"] = inv["trace"]
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
    try:
        try:
            event = json.loads(inv["body"] or b"null")
        except ValueError as e:
            raise FaultException("Runtime.UnmarshalError", "Unable to unmarshal input: %s" % e)
        context = LambdaContext(
            request_id, inv.get("client_context"), inv.get("identity"), inv["deadline"], inv["arn"], inv.get("tenant_id")
        )
        result = handler(event, context)
        try:
            body = to_json(result)
        except Exception as e:
            raise FaultException("Runtime.MarshalError", "Unable to marshal response: %s" % e)
        transport.respond(request_id, body.encode())
    except FaultException as e:
        error = make_error(e.msg, e.exception_type, e.trace, request_id)
        log_error(error)
        transport.fail(request_id, e.exception_type, to_json(error).encode())
    except Exception as e:
        error = make_error(str(e), type(e).__name__, user_stack(sys.exc_info()[2]), request_id)
        log_error(error)
        transport.fail(request_id, error["errorType"], to_json(error).encode())


def main():
    transport = FastTransport() if FAST else HttpTransport()
    transport.init()
    setup_sys_path()
    setup_logging()
    try:
        handler = load_handler(os.environ.get("_HANDLER", ""))
    except FaultException as e:
        error = make_error(e.msg, e.exception_type, e.trace, "")
        log_error(error)
        transport.init_error(e.exception_type, to_json(error).encode())
        sys.stdout.flush()
        os._exit(1)
    except Exception as e:
        error = make_error(str(e), type(e).__name__, user_stack(sys.exc_info()[2]), "")
        log_error(error)
        transport.init_error(error["errorType"], to_json(error).encode())
        sys.stdout.flush()
        os._exit(1)
    while True:
        inv = transport.next()
        handle(transport, handler, inv)


if __name__ == "__main__":
    main()
