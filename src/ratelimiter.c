// SPDX-License-Identifier: GPL-2.0
/*
 * Handshake rate limiter. See ratelimiter.h.
 *
 * One hash table for the whole module: a bucket per (source, namespace),
 * found under RCU and created under the table lock. Each bucket holds
 * nanoseconds of credit: a handshake costs 1/20 s, credit accrues with time
 * and is capped at five handshakes' worth, so a source gets a burst of 5 and
 * then 20 per second. The table is bounded (a full table refuses new
 * sources), hashed with a secret key so its chains cannot be aimed at, and a
 * delayed work drops buckets idle for more than a second; it only runs while
 * the table holds entries.
 */

#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/jiffies.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/siphash.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "debug.h"
#include "ratelimiter.h"

#define PACKET_COST	(NSEC_PER_SEC / WGT_RATELIMIT_PER_SEC)
#define CREDIT_MAX	(PACKET_COST * WGT_RATELIMIT_BURST)

/* Module-wide table: 8192 chains (64 KiB), up to 8 entries per chain on average. */
#define GLOBAL_BUCKETS	8192
#define GLOBAL_MAX	(GLOBAL_BUCKETS * 8)

/**
 * struct rl_entry - the bucket of one source
 * @node: chain link (writers hold the table lock; readers use RCU).
 * @rcu: deferred free.
 * @key: the source.
 * @last_ns: time @credit was last brought up to date; read locklessly by the
 *	collector, hence READ_ONCE/WRITE_ONCE.
 * @credit: nanoseconds of sending credit, at most CREDIT_MAX.
 * @lock: protects @credit and the updates of @last_ns.
 */
struct rl_entry {
	struct hlist_node node;
	struct rcu_head rcu;
	struct wgt_rl_key key;
	u64 last_ns;
	u64 credit;
	spinlock_t lock;	/* @credit, @last_ns updates */
};

/**
 * struct wgt_rl_table - a bounded hash table of buckets
 * @chains: @mask + 1 hash chains.
 * @mask: chain count - 1 (a power of two).
 * @count: entries in the table, under @lock.
 * @max: bound on @count.
 * @lock: serializes inserts and removals (taken with BH off: the packet path
 *	may run in softirq).
 * @hash_key: secret siphash key.
 * @gc: periodic collector, when @auto_gc.
 * @auto_gc: whether inserts arm @gc.
 */
struct wgt_rl_table {
	struct hlist_head *chains;
	unsigned int mask;
	unsigned int count;
	unsigned int max;
	spinlock_t lock;	/* chains, @count */
	siphash_key_t hash_key;
	struct delayed_work gc;
	bool auto_gc;
};

static DEFINE_MUTEX(global_lock);
static unsigned int global_users;
static struct wgt_rl_table *global;

static struct hlist_head *chain_of(struct wgt_rl_table *t, const struct wgt_rl_key *key)
{
	u64 h = siphash_3u64(key->addr, (unsigned long)key->net, key->family, &t->hash_key);

	return &t->chains[h & t->mask];
}

static bool key_equal(const struct wgt_rl_key *a, const struct wgt_rl_key *b)
{
	return a->addr == b->addr && a->net == b->net && a->family == b->family;
}

/* Charge one packet to @e at @now; true if it had the credit. */
static bool entry_charge(struct rl_entry *e, u64 now)
{
	u64 last, credit;
	bool ok;

	spin_lock_bh(&e->lock);
	last = e->last_ns;
	credit = e->credit;
	/* The clock is monotonic, but callers on other CPUs may read it earlier. */
	if (now > last) {
		credit = min_t(u64, credit + (now - last), CREDIT_MAX);
		WRITE_ONCE(e->last_ns, now);
	}
	ok = credit >= PACKET_COST;
	e->credit = ok ? credit - PACKET_COST : credit;
	spin_unlock_bh(&e->lock);
	return ok;
}

static struct rl_entry *chain_find(struct hlist_head *chain, const struct wgt_rl_key *key,
				   spinlock_t *lock)
{
	struct rl_entry *e;

	hlist_for_each_entry_rcu(e, chain, node, lockdep_is_held(lock))
		if (key_equal(&e->key, key))
			return e;
	return NULL;
}

/* Slow path: first packet of a source. */
static bool entry_add(struct wgt_rl_table *t, struct hlist_head *chain,
		      const struct wgt_rl_key *key, u64 now)
{
	struct rl_entry *e, *old;
	bool ok = false;

	e = kmalloc(sizeof(*e), GFP_ATOMIC);
	if (!e)
		return false;
	e->key = *key;
	e->last_ns = now;
	/* The first packet is charged right away. */
	e->credit = CREDIT_MAX - PACKET_COST;
	spin_lock_init(&e->lock);

	spin_lock_bh(&t->lock);
	/* Another CPU may have added the same source since the lookup. */
	old = chain_find(chain, key, &t->lock);
	if (!old && t->count < t->max) {
		hlist_add_head_rcu(&e->node, chain);
		t->count++;
		if (t->auto_gc)
			queue_delayed_work(system_power_efficient_wq, &t->gc, HZ);
		e = NULL;
		ok = true;
	}
	if (old)
		ok = entry_charge(old, now);
	spin_unlock_bh(&t->lock);
	kfree(e);
	return ok;
}

WGT_SELFTEST_VISIBLE bool wgt_rl_table_allow(struct wgt_rl_table *t, const struct wgt_rl_key *key,
					     u64 now_ns)
{
	struct hlist_head *chain = chain_of(t, key);
	struct rl_entry *e;
	bool ok;

	rcu_read_lock();
	e = chain_find(chain, key, &t->lock);
	if (e) {
		ok = entry_charge(e, now_ns);
		rcu_read_unlock();
		return ok;
	}
	rcu_read_unlock();
	return entry_add(t, chain, key, now_ns);
}

WGT_SELFTEST_VISIBLE void wgt_rl_table_gc(struct wgt_rl_table *t, u64 now_ns)
{
	struct hlist_node *tmp;
	struct rl_entry *e;
	unsigned int i;
	u64 last;

	spin_lock_bh(&t->lock);
	for (i = 0; i <= t->mask && t->count; i++) {
		hlist_for_each_entry_safe(e, tmp, &t->chains[i], node) {
			last = READ_ONCE(e->last_ns);
			if (now_ns > last && now_ns - last > WGT_RATELIMIT_IDLE_NS) {
				hlist_del_rcu(&e->node);
				t->count--;
				kfree_rcu(e, rcu);
			}
		}
	}
	spin_unlock_bh(&t->lock);
}

static void gc_work(struct work_struct *work)
{
	struct wgt_rl_table *t = container_of(to_delayed_work(work), struct wgt_rl_table, gc);

	wgt_rl_table_gc(t, ktime_get_coarse_boottime_ns());
	/* An insert after this check arms the work itself. */
	if (READ_ONCE(t->count))
		queue_delayed_work(system_power_efficient_wq, &t->gc, HZ);
}

#ifdef WGTUN_DEBUG
unsigned int wgt_rl_table_count(struct wgt_rl_table *t)
{
	return READ_ONCE(t->count);
}
#endif

WGT_SELFTEST_VISIBLE struct wgt_rl_table *wgt_rl_table_create(unsigned int buckets,
							      unsigned int max_entries,
							      bool auto_gc)
{
	struct wgt_rl_table *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (!t)
		return NULL;
	buckets = roundup_pow_of_two(max(buckets, 1U));
	t->chains = kvcalloc(buckets, sizeof(*t->chains), GFP_KERNEL);
	if (!t->chains) {
		kfree(t);
		return NULL;
	}
	t->mask = buckets - 1;
	t->max = max_entries;
	t->auto_gc = auto_gc;
	spin_lock_init(&t->lock);
	get_random_bytes(&t->hash_key, sizeof(t->hash_key));
	INIT_DELAYED_WORK(&t->gc, gc_work);
	return t;
}

WGT_SELFTEST_VISIBLE void wgt_rl_table_destroy(struct wgt_rl_table *t)
{
	if (!t)
		return;
	cancel_delayed_work_sync(&t->gc);
	/* Everything is idle at the end of time; the frees wait for readers. */
	wgt_rl_table_gc(t, U64_MAX);
	WARN_ON(t->count);
	synchronize_rcu();
	kvfree(t->chains);
	kfree(t);
}

WGT_SELFTEST_VISIBLE bool wgt_rl_key_from_skb(struct sk_buff *skb, const struct net *net,
					      struct wgt_rl_key *key)
{
	/*
	 * By the time a handshake is processed, skb->data is past the IP and
	 * UDP headers (a negative network offset): check the IP header against
	 * the linear area's end, not against skb->data.
	 */
	const unsigned char *end = skb_tail_pointer(skb);
	const unsigned char *nh = skb_network_header(skb);

	memset(key, 0, sizeof(*key));
	key->net = net;
	if (skb->protocol == htons(ETH_P_IP) && nh + sizeof(struct iphdr) <= end) {
		key->family = AF_INET;
		memcpy(&key->addr, &ip_hdr(skb)->saddr, sizeof(ip_hdr(skb)->saddr));
		return true;
	}
	if (skb->protocol == htons(ETH_P_IPV6) && nh + sizeof(struct ipv6hdr) <= end) {
		key->family = AF_INET6;
		/* Only the /64: one host hands out addresses from its whole /64. */
		memcpy(&key->addr, &ipv6_hdr(skb)->saddr, sizeof(key->addr));
		return true;
	}
	return false;
}

bool wgt_ratelimiter_allow(struct sk_buff *skb, struct net *net)
{
	struct wgt_rl_key key;

	if (!wgt_rl_key_from_skb(skb, net, &key))
		return false;
	return wgt_rl_table_allow(global, &key, ktime_get_coarse_boottime_ns());
}

#ifdef WGTUN_DEBUG
bool wgt_ratelimiter_tracks(const struct wgt_rl_key *key)
{
	bool found = false;

	mutex_lock(&global_lock);
	if (global) {
		rcu_read_lock();
		found = chain_find(chain_of(global, key), key, &global->lock);
		rcu_read_unlock();
	}
	mutex_unlock(&global_lock);
	return found;
}
#endif

int wgt_ratelimiter_init(void)
{
	int ret = 0;

	mutex_lock(&global_lock);
	if (!global_users) {
		global = wgt_rl_table_create(GLOBAL_BUCKETS, GLOBAL_MAX, true);
		if (!global)
			ret = -ENOMEM;
	}
	if (!ret)
		global_users++;
	mutex_unlock(&global_lock);
	return ret;
}

void wgt_ratelimiter_uninit(void)
{
	mutex_lock(&global_lock);
	if (!WARN_ON(!global_users) && !--global_users) {
		wgt_rl_table_destroy(global);
		global = NULL;
	}
	mutex_unlock(&global_lock);
}
