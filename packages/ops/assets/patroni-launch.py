#!/usr/bin/python3
"""Starts Debian's Patroni with one upstream fix applied and one timeout shortened.

Debian bookworm ships Patroni 3.0.2, whose etcd3 `_update_leader` moves the leader key to a new lease
with an unconditional put. A former leader coming back from a partition reads a stale cluster view
from its lagging etcd member (Patroni reads with serializable=True), believes it still holds the lock,
and that put takes the leader key from the real primary: it then promotes itself with stale data and
every write acknowledged since the failover is gone. `firebreak drill partition --primary` found it
(2,735 acknowledged writes lost). Patroni fixed it upstream in 3.0.3 (pull requests 2689 and 2693):
the key moves to the new lease only while it still names this node, or is created if absent. This
launcher applies the same rule, so the cluster keeps using the real Patroni for everything else.

The timeout: before a replica takes the leader key it asks every other member's REST API whether it
is healthier, waiting up to 2 s for each. After a fire the burned DC never answers, so every failover
waited the full 2 s for silence (the fire drill's logs: leader key gone at +5.0 s, promotion at
+7.3 s). Members here answer in milliseconds over 10 ms links; a member that does not answer within
FETCH_TIMEOUT_S is treated as Patroni treats a dead one (unknown, not healthier). Which node may
promote is still decided by the synchronous-standby rule and the etcd leader key, not by this wait.
"""
import json
import sys
import time

from patroni.dcs import Leader, catch_return_false_exception
from patroni.dcs.etcd3 import Etcd3, Etcd3Error, base64_encode
from patroni.ha import Ha, _MemberStatus, logger as ha_logger

FETCH_TIMEOUT_S = 0.5


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


def fetch_node_status(self, member):
    try:
        response = self.patroni.request(member, timeout=FETCH_TIMEOUT_S, retries=0)
        data = response.data.decode('utf-8')
        ha_logger.info('Got response from %s %s: %s', member.name, member.api_url, data)
        return _MemberStatus.from_api_response(member, json.loads(data))
    except Exception as e:
        ha_logger.warning("Request failed to %s: GET %s (%s)", member.name, member.api_url, e)
    return _MemberStatus.unknown(member)


if __name__ == '__main__':
    from patroni.version import __version__
    if __version__ != '3.0.2':
        # Other versions carry the fix themselves (or changed the code it replaces): run them as they are.
        from patroni.__main__ import main
        sys.exit(main())
    Etcd3._update_leader = _update_leader
    Ha.fetch_node_status = fetch_node_status
    from patroni.__main__ import main
    sys.argv[0] = 'patroni'
    sys.exit(main())
