#!/usr/bin/python3
"""A minimal Kubernetes CRI client: calls one RuntimeService method of a CRI server (containerd's
CRI plugin) on a unix socket with a request given as JSON, prints the response as JSON.

    cri_client.py --socket SOCK --work DIR METHOD [REQUEST_JSON|-]

The messages come from tests/engines/cri.proto, compiled at run time by grpc_tools' protoc into a
descriptor set (cached in DIR), so no generated code is kept and no protoc version is tied to the
python protobuf runtime. Field names in JSON are the proto names (snake_case); bytes fields
(ExecSync's stdout/stderr) are base64. A gRPC error prints `CODE: details` on stderr, exit 1.
"""
import argparse
import json
import os
import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO = os.path.join(HERE, "cri.proto")
SERVICE = "runtime.v1.RuntimeService"


def descriptor_set(work):
    """The compiled descriptor set of cri.proto, rebuilt when the .proto is newer."""
    os.makedirs(work, exist_ok=True)
    out = os.path.join(work, "cri.pb")
    if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(PROTO):
        from grpc_tools import protoc  # only needed to compile

        tmp = out + ".tmp"
        rc = protoc.main(["protoc", "-I" + HERE, "--descriptor_set_out=" + tmp, PROTO])
        if rc != 0:
            sys.exit(f"cri_client: protoc failed on {PROTO} (exit {rc})")
        os.replace(tmp, out)
    with open(out, "rb") as f:
        return descriptor_pb2.FileDescriptorSet.FromString(f.read())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--socket", required=True, help="the CRI server's unix socket")
    ap.add_argument("--work", required=True, help="dir for the compiled descriptor set")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per call")
    ap.add_argument("method", help="RuntimeService method, e.g. RunPodSandbox")
    ap.add_argument("request", nargs="?", default="{}", help="request as JSON, - for stdin")
    a = ap.parse_args()

    fds = descriptor_set(a.work)
    pool = descriptor_pool.DescriptorPool()
    for f in fds.file:
        pool.Add(f)
    classes = message_factory.GetMessages(fds.file)
    svc = pool.FindServiceByName(SERVICE)
    m = svc.methods_by_name.get(a.method)
    if m is None:
        sys.exit(f"cri_client: no method {a.method!r} in {SERVICE} "
                 f"(known: {', '.join(sorted(svc.methods_by_name))})")
    req_cls = classes[m.input_type.full_name]
    resp_cls = classes[m.output_type.full_name]

    text = sys.stdin.read() if a.request == "-" else a.request
    try:
        req = json_format.ParseDict(json.loads(text), req_cls())
    except (ValueError, json_format.ParseError) as e:
        sys.exit(f"cri_client: bad {m.input_type.name} JSON: {e}")

    with grpc.insecure_channel("unix://" + a.socket) as ch:
        call = ch.unary_unary(f"/{SERVICE}/{a.method}",
                              request_serializer=req_cls.SerializeToString,
                              response_deserializer=resp_cls.FromString)
        try:
            resp = call(req, timeout=a.timeout)
        except grpc.RpcError as e:
            print(f"{e.code().name}: {e.details()}", file=sys.stderr)
            return 1
    print(json_format.MessageToJson(resp, preserving_proto_field_name=True,
                                    including_default_value_fields=True, indent=None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
