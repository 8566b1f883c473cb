#!/usr/bin/python3
"""Patroni callback: keeps etcd's leader out of the DC whose PostgreSQL is the primary.

When one fire takes both etcd's leader and Patroni's primary, the surviving etcd members first elect
a leader, and the new leader then restarts every lease at its full TTL, Patroni's leader key among
them: the key outlives the dead primary by the election plus `ttl`, not by `ttl` less the time since
its last renewal. In fire drills side by side the new primary took the key 10.8 to 11.6 s after the
fire when etcd's leader burned with it, 8.6 to 9.8 s when etcd's leader was elsewhere. A fire that takes only etcd's leader costs writes a brief etcd
election, which the primary's Patroni rides out within `retry_timeout`.

Patroni runs this on start and on every role change, inside the member's DC, with the action, the
role and the scope as its last three arguments. As the primary ("master" in Patroni 3.0, "primary"
later), when the local etcd member leads, it hands leadership to another started member (etcd's
MoveLeader, a graceful transfer, not an election timeout). Otherwise it does nothing. It only asks
etcd to move leadership: a refusal or an unreachable member leaves things as they are.

Usage: etcd-leader-away.py LOCAL_ETCD_URL ACTION ROLE SCOPE
Standard library only (the etcd v3 JSON gateway), so it runs with Debian's python3 and nothing else.
"""
import json
import sys
import urllib.request


def call(base, path, body, timeout=2.0):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), headers={'content-type': 'application/json'})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b'{}')


def main():
    if len(sys.argv) < 5:
        print('usage: etcd-leader-away.py LOCAL_ETCD_URL ACTION ROLE SCOPE', file=sys.stderr)
        return 2
    local, role = sys.argv[1].rstrip('/'), sys.argv[3]
    if role not in ('master', 'primary'):
        return 0
    status = call(local, '/v3/maintenance/status', {})
    me, leader = status.get('header', {}).get('member_id'), status.get('leader')
    if not me or me != leader:
        return 0
    members = call(local, '/v3/cluster/member/list', {}).get('members', [])
    for member in members:
        # A member added but not started yet has no name and no client URLs: it cannot lead.
        if member.get('ID') == me or not member.get('clientURLs') or member.get('isLearner'):
            continue
        try:
            call(local, '/v3/maintenance/transfer-leadership', {'targetID': member['ID']}, timeout=5.0)
            print(f'etcd leadership moved to {member.get("name") or member["ID"]}', flush=True)
            return 0
        except OSError as err:
            print(f'etcd leadership not moved to {member.get("name") or member["ID"]}: {err}', file=sys.stderr, flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
