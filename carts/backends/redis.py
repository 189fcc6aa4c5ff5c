"""Carts in Redis: one hash per cart (product id -> quantity), one round trip per change.

Every write is a Lua script, so the limit checks, the write and the expiry refresh
happen atomically inside Redis: any number of workers may change one cart at once and no
update is lost. No read-modify-write happens in Python. Scripts are registered once per
process and run by their SHA afterwards.

With ``OPTIONS["WAIT_REPLICAS"]`` (default 0) every write is pipelined with a ``WAIT``:
the write is acknowledged only once that many replicas hold it, so a Sentinel failover
to one of them keeps it (docs/redis-ha.md has the trade-off and its cost).
"""

from django_redis import get_redis_connection
from redis.exceptions import RedisError

from ..exceptions import CartLimitExceeded, CartUnavailable
from .base import BaseCart, MergeReport

KEY_PREFIX = "cart:"

# KEYS[1] cart; ARGV: op (add|set|remove), product id, quantity, limit, max lines, ttl.
# Returns {"ok", hgetall} or {reason, current quantity}.
WRITE = """
local key, op, pid = KEYS[1], ARGV[1], ARGV[2]
local qty, limit = tonumber(ARGV[3]), tonumber(ARGV[4])
local max_lines, ttl = tonumber(ARGV[5]), tonumber(ARGV[6])
local current = tonumber(redis.call('HGET', key, pid) or '0')
local new = 0
if op == 'add' then new = current + qty elseif op == 'set' then new = qty end
if new > 0 then
  if new > limit then return {'quantity', current} end
  if current == 0 and redis.call('HLEN', key) >= max_lines then return {'lines', current} end
  redis.call('HSET', key, pid, new)
else
  redis.call('HDEL', key, pid)
end
if redis.call('EXISTS', key) == 1 then redis.call('EXPIRE', key, ttl) end
return {'ok', redis.call('HGETALL', key)}
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


class RedisCart(BaseCart):
    """A cart in the Redis of the cache alias ``OPTIONS["ALIAS"]`` (``"carts"``)."""

    _scripts = {}  # source -> redis Script: the SHA of our own code, not user data

    def __init__(self, owner, *, request=None, **options):
        super().__init__(owner, request=request, **options)
        self.alias = options.get("ALIAS", "carts")
        self.wait_replicas = options.get("WAIT_REPLICAS", 0)
        self.wait_timeout_ms = options.get("WAIT_TIMEOUT_MS", 100)
        self.key = f"{KEY_PREFIX}{owner[0]}:{owner[1]}"

    def lines(self):
        return _as_lines(self._call(lambda redis: redis.hgetall(self.key)))

    def add(self, product_id, quantity, *, limit):
        return self._write("add", product_id, quantity, limit)

    def set(self, product_id, quantity, *, limit):
        return self._write("set", product_id, quantity, limit)

    def remove(self, product_id):
        return self._write("remove", product_id, 0, 0)

    def clear(self):
        if self.wait_replicas:
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

    def _write(self, op, product_id, quantity, limit):
        args = [op, product_id, quantity, limit, self.max_lines, self.ttl]
        status, payload = self._run(WRITE, [self.key], args)
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
            return operation(get_redis_connection(self.alias))
        except RedisError as exc:
            raise CartUnavailable() from exc


def _as_lines(reply):
    if isinstance(reply, dict):
        return {int(pid): int(qty) for pid, qty in reply.items()}
    return {int(reply[i]): int(reply[i + 1]) for i in range(0, len(reply), 2)}
