"""Carts in Redis: one hash per cart (product id -> quantity), one round trip per change.

Every write is a Lua script, so the limit checks, the write and the expiry refresh
happen atomically inside Redis: any number of workers may change one cart at once and no
update is lost. No read-modify-write happens in Python. Scripts are registered once per
process and run by their SHA afterwards.

With ``OPTIONS["WAIT_REPLICAS"]`` (default 0) every write is pipelined with a ``WAIT``:
the write is acknowledged only once that many replicas hold it, so a Sentinel failover
to one of them keeps it (docs/redis-ha.md has the trade-off and its cost).

Where the cart's Redis is the same server (the same connection pool) as another alias's,
commands of that alias travel with the cart's: the identity's denylist check (``guard``:
a pipelined ``EXISTS`` with a read, an extra key of the write script) and a keyed add's
idempotency record (``queue_lines`` with the runner's begin, ``add_recording``).
"""

from dataclasses import dataclass

from django_redis import get_redis_connection
from redis.exceptions import RedisError

from shop.core.idempotency import LUA_COMPLETION

from ..exceptions import CartLimitExceeded, CartUnavailable, OwnerRevoked
from .base import BaseCart, MergeReport

KEY_PREFIX = "cart:"

# apply(key, op (add|set|remove), product id, quantity, limit, max lines, ttl): the
# limit checks, the write and the expiry refresh; returns status ("ok" or the reason
# the write was refused) and the line's quantity before.
APPLY = """
local function apply(key, op, pid, qty, limit, max_lines, ttl)
  local current = tonumber(redis.call('HGET', key, pid) or '0')
  local new = 0
  if op == 'add' then new = current + qty elseif op == 'set' then new = qty end
  if new > 0 then
    if new > limit then return 'quantity', current end
    if current == 0 and redis.call('HLEN', key) >= max_lines then return 'lines', current end
    redis.call('HSET', key, pid, new)
  else
    redis.call('HDEL', key, pid)
  end
  if redis.call('EXISTS', key) == 1 then redis.call('EXPIRE', key, ttl) end
  return 'ok', current
end
"""

# KEYS[1] cart, optional KEYS[2] a denylist key (``guard``): if it exists nothing is
# written. ARGV: op (add|set|remove), product id, quantity, limit, max lines, ttl.
# Returns {"ok", hgetall}, {reason, current quantity} or {"denied", 0}.
WRITE = (
    APPLY
    + """
if KEYS[2] and redis.call('EXISTS', KEYS[2]) == 1 then return {'denied', 0} end
local status, current = apply(KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3]),
  tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]))
if status ~= 'ok' then return {status, current} end
return {'ok', redis.call('HGETALL', KEYS[1])}
"""
)

# A keyed add that records its outcome in the same step when the cart came out as the
# caller predicted. KEYS: cart, outcome, lock. ARGV: product id, quantity, limit, max
# lines, ttl, record, record ttl, lock token, then the predicted product id / quantity
# pairs. Returns {"recorded" or "ok", hgetall} or {reason, current quantity}; "ok"
# leaves the lock to the caller (another write came between: the prediction was wrong).
ADD_RECORDING = (
    APPLY
    + LUA_COMPLETION
    + """
local status, current = apply(KEYS[1], 'add', ARGV[1], tonumber(ARGV[2]),
  tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]))
if status ~= 'ok' then return {status, current} end
local same = redis.call('HLEN', KEYS[1]) == (#ARGV - 8) / 2
for i = 9, #ARGV - 1, 2 do
  if not same then break end
  same = redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1]
end
if same then idempotency_complete(KEYS[2], KEYS[3], ARGV[6], ARGV[7], ARGV[8]) end
return {same and 'recorded' or 'ok', redis.call('HGETALL', KEYS[1])}
"""
)

# KEYS[1] cart, KEYS[2] a denylist key: the cart is deleted unless that key exists.
CLEAR_GUARDED = """
if redis.call('EXISTS', KEYS[2]) == 1 then return 'denied' end
redis.call('DEL', KEYS[1])
return 'ok'
"""

# KEYS[1] target, KEYS[2] source; ARGV: max lines, ttl, default limit, then product id /
# limit pairs. The default covers lines added to the source after the caller read it.
# Returns a flat list: product id, quantity asked, quantity added, ...
MERGE = """
local target, source = KEYS[1], KEYS[2]
local max_lines, ttl, default = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local limits = {}
for i = 4, #ARGV, 2 do limits[ARGV[i]] = tonumber(ARGV[i + 1]) end
local lines = redis.call('HLEN', target)
local report = {}
local incoming = redis.call('HGETALL', source)
for i = 1, #incoming, 2 do
  local pid, asked = incoming[i], tonumber(incoming[i + 1])
  local current = tonumber(redis.call('HGET', target, pid) or '0')
  local new = math.min(current + asked, limits[pid] or default)
  if current == 0 and new > 0 and lines >= max_lines then new = 0 end
  if new > current then
    redis.call('HSET', target, pid, new)
    if current == 0 then lines = lines + 1 end
  else
    new = current
  end
  table.insert(report, pid)
  table.insert(report, asked)
  table.insert(report, new - current)
end
redis.call('DEL', source)
if redis.call('EXISTS', target) == 1 then redis.call('EXPIRE', target, ttl) end
return report
"""


# KEYS[1] cart; ARGV: ttl, then product id / quantity pairs to subtract.
TAKE = """
local key = KEYS[1]
for i = 2, #ARGV, 2 do
  if redis.call('HINCRBY', key, ARGV[i], -tonumber(ARGV[i + 1])) <= 0 then
    redis.call('HDEL', key, ARGV[i])
  end
end
if redis.call('EXISTS', key) == 1 then redis.call('EXPIRE', key, ARGV[1]) end
return 1
"""


@dataclass(frozen=True)
class _Guard:
    """A check the next command carries: ``key`` must not exist (see ``BaseCart.guard``)."""

    key: str
    answered: object  # callable(exists: bool)

    def answer(self, exists):
        self.answered(bool(exists))
        if exists:
            raise OwnerRevoked()


class RedisCart(BaseCart):
    """A cart in the Redis of the cache alias ``OPTIONS["ALIAS"]`` (``"carts"``)."""

    _scripts = {}  # source -> redis Script: the SHA of our own code, not user data

    def __init__(self, owner, *, request=None, **options):
        super().__init__(owner, request=request, **options)
        self.alias = options.get("ALIAS", "carts")
        self.wait_replicas = options.get("WAIT_REPLICAS", 0)
        self.wait_timeout_ms = options.get("WAIT_TIMEOUT_MS", 100)
        self.key = f"{KEY_PREFIX}{owner[0]}:{owner[1]}"
        self._guard = None  # the check the next command carries

    def lines(self):
        guard = self._take_guard()
        if guard is None:
            return _as_lines(self._call(lambda redis: redis.hgetall(self.key)))
        exists, raw = self._call(
            lambda redis: (
                redis.pipeline(transaction=False).exists(guard.key).hgetall(self.key).execute()
            )
        )
        guard.answer(exists)
        return _as_lines(raw)

    def add(self, product_id, quantity, *, limit):
        return self._write("add", product_id, quantity, limit)

    def set(self, product_id, quantity, *, limit):
        return self._write("set", product_id, quantity, limit)

    def remove(self, product_id):
        return self._write("remove", product_id, 0, 0)

    def clear(self):
        guard = self._take_guard()
        if guard is not None:
            guard.answer(self._run(CLEAR_GUARDED, [self.key, guard.key], []) == b"denied")
        elif self.wait_replicas:
            self._call(lambda redis: self._replicated(redis, lambda pipe: pipe.delete(self.key)))
        else:
            self._call(lambda redis: redis.delete(self.key))

    def take(self, lines):
        args = [self.ttl]
        for pid, quantity in lines.items():
            args += [pid, quantity]
        self._run(TAKE, [self.key], args)

    def merge_from(self, other, *, limits):
        args = [self.max_lines, self.ttl, self.max_quantity]
        for pid, limit in limits.items():
            args += [pid, limit]
        flat = self._run(MERGE, [self.key, other.key], args)
        report = MergeReport()
        for i in range(0, len(flat), 3):
            pid = int(flat[i])
            report.asked[pid], report.added[pid] = int(flat[i + 1]), int(flat[i + 2])
        return report

    # --- Commands of another alias on the same server -----------------------------------

    def shares_server(self, alias):
        try:
            ours, theirs = get_redis_connection(self.alias), get_redis_connection(alias)
        except RedisError as exc:
            raise CartUnavailable() from exc
        # django-redis keeps one pool per URL for the whole process: the same pool is the
        # same server and database. Different URLs of one server only cost a round trip.
        return ours.connection_pool is theirs.connection_pool

    def guard(self, *, alias, key, answered):
        if not self.shares_server(alias):
            return False
        self._guard = _Guard(key, answered)
        return True

    def queue_lines(self, pipe):
        guard = self._take_guard()
        if guard is not None:
            pipe.exists(guard.key)
        pipe.hgetall(self.key)

        def lines(replies):
            if guard is not None:
                guard.answer(replies[0])
            return _as_lines(replies[-1])

        return lines

    def add_recording(self, product_id, quantity, *, limit, expected, completion):
        args = [product_id, quantity, limit, self.max_lines, self.ttl]
        args += [completion.record, completion.ttl, completion.token]
        for pid, qty in sorted(expected.items()):
            args += [pid, qty]
        keys = [self.key, completion.outcome_key, completion.lock_key]
        status, payload = self._run(ADD_RECORDING, keys, args)
        if status not in (b"ok", b"recorded"):
            raise CartLimitExceeded(status.decode(), int(payload))
        return _as_lines(payload), status == b"recorded"

    # --- Internals ---------------------------------------------------------------------

    def _take_guard(self):
        guard, self._guard = self._guard, None
        return guard

    def _write(self, op, product_id, quantity, limit):
        args = [op, product_id, quantity, limit, self.max_lines, self.ttl]
        guard = self._take_guard()
        keys = [self.key] if guard is None else [self.key, guard.key]
        status, payload = self._run(WRITE, keys, args)
        if guard is not None:
            guard.answer(status == b"denied")
        if status != b"ok":
            raise CartLimitExceeded(status.decode(), int(payload))
        return _as_lines(payload)

    def _run(self, source, keys, args):
        def run(redis):
            if self.wait_replicas:  # EVAL: a script in a pipeline would cost a SCRIPT EXISTS
                return self._replicated(
                    redis, lambda pipe: pipe.eval(source, len(keys), *keys, *args)
                )
            script = self._scripts.get(source)
            if script is None:
                script = self._scripts[source] = redis.register_script(source)
            return script(keys=keys, args=args, client=redis)

        return self._call(run)

    def _replicated(self, redis, write):
        """``write(pipeline)`` and a ``WAIT`` in one round trip; the write's reply.

        Fewer than ``wait_replicas`` replicas within ``wait_timeout_ms`` is a
        ``CartUnavailable``: the write is on the primary but might not survive losing
        it, so it is not acknowledged (a 503, the outcome unknown to the client, as
        when an answer is lost in transit).
        """
        pipe = redis.pipeline(transaction=False)
        write(pipe)
        pipe.execute_command("WAIT", self.wait_replicas, self.wait_timeout_ms)
        reply, replicas = pipe.execute()
        if replicas < self.wait_replicas:
            raise CartUnavailable()
        return reply

    def _call(self, operation):
        try:
            redis = get_redis_connection(self.alias)
            guard = self._take_guard()
            if guard is not None:  # a command that cannot carry the check: check first
                guard.answer(redis.exists(guard.key))
            return operation(redis)
        except RedisError as exc:
            raise CartUnavailable() from exc


def _as_lines(reply):
    if isinstance(reply, dict):
        return {int(pid): int(qty) for pid, qty in reply.items()}
    return {int(reply[i]): int(reply[i + 1]) for i in range(0, len(reply), 2)}
