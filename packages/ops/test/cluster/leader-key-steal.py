"""A former leader with a stale cluster view must not take the leader key back (see
packages/ops/assets/patroni-launch.py). Prints one JSON line: who holds the key after the former leader's
_update_leader ran, and what it returned. Usage: leader_key_steal.py ETCD_HOST:PORT original|patched"""
import base64
import importlib.util
import json
import os
import sys
from pathlib import Path

from patroni.dcs.etcd3 import Etcd3

endpoint, mode = sys.argv[1], sys.argv[2]
scope = f'steal-{mode}-{os.getpid()}'


def node(name):
    return Etcd3({'hosts': [endpoint], 'protocol': 'http', 'scope': scope, 'name': name,
                  'namespace': '/service/', 'ttl': 30, 'retry_timeout': 10, 'loop_wait': 10})


if mode == 'patched':
    launcher = Path(__file__).resolve().parents[2] / 'assets' / 'patroni-launch.py'
    spec = importlib.util.spec_from_file_location('launch', launcher)
    launch = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(launch)
    Etcd3._update_leader = launch._update_leader

old, new = node('old'), node('new')
old.refresh_lease()
assert old.attempt_to_acquire_leader()
stale = old.get_cluster()                      # the old leader's view: it holds the lock
old._client.call_rpc('/kv/lease/revoke', {'ID': old._lease})
old._lease = None                              # partitioned: its lease expired, the key went with it
new.refresh_lease()
assert new.attempt_to_acquire_leader()         # a new leader took over
old._cluster, old._cluster_valid_till = stale, 10 ** 12   # what its lagging etcd member still shows
returned = old._update_leader()                # back from the partition, it renews "its" lock
# Read the key itself: get_cluster() may answer from the watcher's cache, which can lag a put.
kvs = new._client.range(new.leader_path).get('kvs', [])
holder = base64.b64decode(kvs[0]['value']).decode() if kvs else None
print(json.dumps({'holder': holder, 'returned': bool(returned)}))
