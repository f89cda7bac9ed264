// SPDX-License-Identifier: GPL-2.0
/*
 * wgtun: public-key and local-index tables.
 *
 * The tables are rhashtables sized for a handful of entries and grown on
 * demand by the rhashtable core (from the system workqueue, so no worker exists
 * per device). Index values come from get_random_u32(): an off-path attacker
 * cannot guess a live index, and the values leak nothing about how many
 * sessions a device has.
 */
#include <linux/kernel.h>
#include <linux/random.h>
#include <linux/rhashtable.h>

#include "debug.h"
#include "peerlookup.h"
#include "noise.h"

/* Random indices collide with probability entries / 2^32; a few retries always suffice. */
#define INDEX_INSERT_TRIES 32

static const struct rhashtable_params pubkey_params = {
	.nelem_hint = 2,
	.key_len = NOISE_PUBLIC_KEY_LEN,
	.key_offset = offsetof(struct wgt_noise_remote, remote_static),
	.head_offset = offsetof(struct wgt_noise_remote, pubkey_node),
	.automatic_shrinking = true,
};

static const struct rhashtable_params span_params = {
	.nelem_hint = 2,
	.key_len = NOISE_PUBLIC_KEY_LEN,
	.key_offset = offsetof(struct wgt_noise_remote, remote_static),
	.head_offset = offsetof(struct wgt_noise_remote, span_node),
	.automatic_shrinking = true,
};

static const struct rhashtable_params index_params = {
	.nelem_hint = 2,
	.key_len = sizeof(u32),
	.key_offset = offsetof(struct wgt_index_entry, index),
	.head_offset = offsetof(struct wgt_index_entry, node),
	.automatic_shrinking = true,
};

/**
 * wgt_pubkey_table_init() - prepare an empty public-key table
 * @table: the table
 *
 * Context: process context; allocates.
 * Return: 0 or -ENOMEM.
 */
int wgt_pubkey_table_init(struct wgt_pubkey_table *table)
{
	table->span = false;
	return rhashtable_init(&table->ht, &pubkey_params);
}

/**
 * wgt_pubkey_table_init_span() - prepare an empty spanning public-key table
 * @table: the table, to hold remotes of several locals (by their @span_node)
 *
 * Context: process context; allocates.
 * Return: 0 or -ENOMEM.
 */
int wgt_pubkey_table_init_span(struct wgt_pubkey_table *table)
{
	table->span = true;
	return rhashtable_init(&table->ht, &span_params);
}

/**
 * wgt_pubkey_table_uninit() - free an empty public-key table
 * @table: the table; every remote must have been removed
 *
 * Context: process context; may sleep.
 */
void wgt_pubkey_table_uninit(struct wgt_pubkey_table *table)
{
	WARN_ON(atomic_read(&table->ht.nelems));
	rhashtable_destroy(&table->ht);
}

/**
 * wgt_pubkey_table_insert() - make a remote findable by its public key
 * @table: the table
 * @remote: an initialized remote, not yet in any table
 *
 * Return: 0, -EEXIST if a remote with the same key is present, or
 * -ENOMEM/-EBUSY.
 */
int wgt_pubkey_table_insert(struct wgt_pubkey_table *table, struct wgt_noise_remote *remote)
{
	if (table->span)
		return rhashtable_lookup_insert_fast(&table->ht, &remote->span_node, span_params);
	return rhashtable_lookup_insert_fast(&table->ht, &remote->pubkey_node, pubkey_params);
}

/**
 * wgt_pubkey_table_remove() - stop a remote from being found
 * @table: the table
 * @remote: a remote inserted before
 *
 * Concurrent RCU readers may still hold the pointer: free @remote only after a
 * grace period.
 */
void wgt_pubkey_table_remove(struct wgt_pubkey_table *table, struct wgt_noise_remote *remote)
{
	if (table->span)
		rhashtable_remove_fast(&table->ht, &remote->span_node, span_params);
	else
		rhashtable_remove_fast(&table->ht, &remote->pubkey_node, pubkey_params);
}

/**
 * wgt_pubkey_lookup() - find a remote by public key, without a reference
 * @table: the table
 * @pubkey: the remote static public key
 *
 * Context: the caller holds rcu_read_lock() or rcu_read_lock_bh(); the result
 * is valid only until it drops it.
 * Return: the remote or NULL.
 */
struct wgt_noise_remote *wgt_pubkey_lookup(struct wgt_pubkey_table *table,
					   const u8 pubkey[NOISE_PUBLIC_KEY_LEN])
{
	struct wgt_noise_remote *remote;

	/* rhashtable's lockdep checks know only the plain RCU flavour. */
	rcu_read_lock();
	if (table->span)
		remote = rhashtable_lookup(&table->ht, pubkey, span_params);
	else
		remote = rhashtable_lookup(&table->ht, pubkey, pubkey_params);
	rcu_read_unlock();
	return remote;
}

/**
 * wgt_pubkey_lookup_get() - find a remote by public key, with a reference
 * @table: the table
 * @pubkey: the remote static public key
 *
 * Return: the remote, to be released with ops->remote_put(), or NULL if it is
 * unknown or dying.
 */
struct wgt_noise_remote *wgt_pubkey_lookup_get(struct wgt_pubkey_table *table,
					       const u8 pubkey[NOISE_PUBLIC_KEY_LEN])
{
	struct wgt_noise_remote *remote;

	rcu_read_lock_bh();
	remote = wgt_pubkey_lookup(table, pubkey);
	if (remote && !remote->local->ops->remote_get(remote))
		remote = NULL;
	rcu_read_unlock_bh();
	return remote;
}

/**
 * wgt_index_table_init() - prepare an empty index table
 * @table: the table
 *
 * Context: process context; allocates.
 * Return: 0 or -ENOMEM.
 */
WGT_SELFTEST_VISIBLE int wgt_index_table_init(struct wgt_index_table *table)
{
	return rhashtable_init(&table->ht, &index_params);
}

/**
 * wgt_index_table_uninit() - free an empty index table
 * @table: the table; every entry must have been removed
 *
 * Context: process context; may sleep.
 */
WGT_SELFTEST_VISIBLE void wgt_index_table_uninit(struct wgt_index_table *table)
{
	WARN_ON(atomic_read(&table->ht.nelems));
	rhashtable_destroy(&table->ht);
}

struct wgt_index_table wgt_indices;

int wgt_peerlookup_init(void)
{
	return wgt_index_table_init(&wgt_indices);
}

/* Every interface is gone, and with them every session. */
void wgt_peerlookup_uninit(void)
{
	wgt_index_table_uninit(&wgt_indices);
}

/**
 * wgt_index_insert() - give an entry a fresh random index and hash it
 * @table: the table
 * @entry: an entry not in the table, with @type and @remote set
 *
 * Context: the caller serializes all changes to @entry (see struct
 * wgt_index_entry).
 * Return: 0 with @entry->index set, or a negative errno (-ENOMEM, -EBUSY,
 * -EEXIST after INDEX_INSERT_TRIES collisions).
 */
int wgt_index_insert(struct wgt_index_table *table, struct wgt_index_entry *entry)
{
	int tries, ret = -EEXIST;

	if (WARN_ON(entry->hashed))
		return -EINVAL;
	for (tries = 0; tries < INDEX_INSERT_TRIES && ret == -EEXIST; tries++) {
		entry->index = get_random_u32();
		ret = rhashtable_lookup_insert_fast(&table->ht, &entry->node, index_params);
	}
	entry->hashed = !ret;
	return ret;
}

/**
 * wgt_index_replace() - hand an index over from one entry to another
 * @table: the table
 * @old: a hashed entry
 * @new: an unhashed entry; takes @old's index value
 *
 * Readers see either @old or @new under the index, never neither.
 */
void wgt_index_replace(struct wgt_index_table *table, struct wgt_index_entry *old,
		       struct wgt_index_entry *new)
{
	if (WARN_ON(!old->hashed || new->hashed))
		return;
	new->index = old->index;
	if (WARN_ON(rhashtable_replace_fast(&table->ht, &old->node, &new->node, index_params)))
		return;
	old->hashed = false;
	new->hashed = true;
}

/**
 * wgt_index_remove() - unhash an entry, if it is hashed
 * @table: the table
 * @entry: the entry
 *
 * Concurrent RCU readers may still see @entry: free it only after a grace
 * period.
 */
void wgt_index_remove(struct wgt_index_table *table, struct wgt_index_entry *entry)
{
	if (!entry->hashed)
		return;
	WARN_ON(rhashtable_remove_fast(&table->ht, &entry->node, index_params));
	entry->hashed = false;
}

/**
 * index_lookup() - find an entry by index, without a reference
 * @table: the table
 * @index: host byte order (le32_to_cpu() of the wire field)
 * @type_mask: an OR of the wanted enum wgt_index_type values
 *
 * Context: the caller holds rcu_read_lock() or rcu_read_lock_bh(); the result
 * is valid only until it drops it.
 * Return: the entry, or NULL if no entry of a wanted type has this index.
 */
static struct wgt_index_entry *index_lookup(struct wgt_index_table *table, u32 index,
					    u8 type_mask)
{
	struct wgt_index_entry *entry;

	rcu_read_lock();
	entry = rhashtable_lookup(&table->ht, &index, index_params);
	rcu_read_unlock();
	if (entry && !(entry->type & type_mask))
		entry = NULL;
	return entry;
}

/**
 * wgt_index_lookup_get() - find an entry by index and take references
 * @table: the table
 * @index: host byte order
 * @type_mask: an OR of the wanted enum wgt_index_type values
 * @keypair: if not NULL, receives the keypair (with a reference, release with
 *	wgt_noise_keypair_put()) when the entry is a keypair, else NULL
 *
 * Return: the remote owning the entry with a reference (release with
 * ops->remote_put()), or NULL (and *@keypair NULL) when there is no such entry
 * or its owner is dying.
 */
struct wgt_noise_remote *wgt_index_lookup_get(struct wgt_index_table *table, u32 index,
					      u8 type_mask,
					      struct wgt_noise_keypair **keypair)
{
	struct wgt_noise_keypair *kp = NULL;
	struct wgt_noise_remote *remote = NULL;
	struct wgt_index_entry *entry;

	rcu_read_lock_bh();
	entry = index_lookup(table, index, type_mask);
	if (!entry)
		goto out;
	if (keypair && entry->type == WGT_INDEX_KEYPAIR) {
		kp = container_of(entry, struct wgt_noise_keypair, entry);
		if (!kref_get_unless_zero(&kp->refcount)) {
			kp = NULL;
			goto out;
		}
	}
	remote = entry->remote;
	if (!remote->local->ops->remote_get(remote)) {
		remote = NULL;
		if (kp)
			wgt_noise_keypair_put(kp);
		kp = NULL;
	}
out:
	rcu_read_unlock_bh();
	if (keypair)
		*keypair = kp;
	return remote;
}

#ifdef WGTUN_DEBUG
/**
 * wgt_index_table_count() - number of entries in the table
 * @table: the table
 */
unsigned int wgt_index_table_count(struct wgt_index_table *table)
{
	return atomic_read(&table->ht.nelems);
}
#endif
