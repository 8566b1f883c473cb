#!/usr/bin/python3
"""Starts Debian's Patroni with one upstream fix applied.

Debian bookworm ships Patroni 3.0.2, whose etcd3 `_update_leader` moves the leader key to a new lease
with an unconditional put. A former leader coming back from a partition reads a stale cluster view
from its lagging etcd member (Patroni reads with serializable=True), believes it still holds the lock,
and that put takes the leader key from the real primary: it then promotes itself with stale data and
every write acknowledged since the failover is gone. `firebreak drill partition --primary` found it
(2,735 acknowledged writes lost). Patroni fixed it upstream in 3.0.3 (pull requests 2689 and 2693):
the key moves to the new lease only while it still names this node, or is created if absent. This
launcher applies the same rule, so the cluster keeps using the real Patroni for everything else.
"""
import sys
import time

from patroni.dcs import Leader, catch_return_false_exception
from patroni.dcs.etcd3 import Etcd3, Etcd3Error, base64_encode


@catch_return_false_exception
def _update_leader(self):
    retry = self._retry.copy()

    def _retry(*args, **kwargs):
        kwargs['retry'] = retry
        return retry(*args, **kwargs)

    self._run_and_handle_exceptions(self._do_refresh_lease, True, retry=_retry)
    if not self._lease:
        return False
    cluster = self.cluster
    leader_lease = cluster and isinstance(cluster.leader, Leader) and cluster.leader.session
    if leader_lease == self._lease:
        return True
    retry.deadline = retry.stoptime - time.time()
    if retry.deadline < 1:
        raise Etcd3Error('update_leader timeout')
    key = base64_encode(self.leader_path)
    put = {'request_put': {'key': key, 'value': base64_encode(self._name), 'lease': self._lease}}
    still_ours = {'key': key, 'target': 'VALUE', 'value': base64_encode(self._name)}
    absent = {'key': key, 'target': 'CREATE', 'create_revision': '0'}
    for compare in (still_ours, absent):
        if self._run_and_handle_exceptions(self._client.txn, compare, put, retry=_retry):
            return True
    return False


if __name__ == '__main__':
    from patroni.version import __version__
    if __version__ != '3.0.2':
        # Other versions carry the fix themselves (or changed the code it replaces): run them as they are.
        from patroni.__main__ import main
        sys.exit(main())
    Etcd3._update_leader = _update_leader
    from patroni.__main__ import main
    sys.argv[0] = 'patroni'
    sys.exit(main())
