/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wgtun: the lookup tables of peers by public key and of sessions by index.
 *
 * Each is a resizable rhashtable that starts with four buckets, so an
 * interface without peers costs a few hundred bytes, and grows with the
 * number of entries.  Lookups are lock-free under RCU; insertions and
 * removals may run in any context (including softirq).
 *
 * An interface has a public-key table of its own peers; a UDP port it
 * shares with other interfaces has a spanning one of all their peers (the
 * remotes' @span_node), where initiations find their interface.  Local
 * indices are unique module-wide, in one table (wgt_indices): a packet's
 * receiver index then finds its session whichever interface it belongs to,
 * and the receive path checks that the session's interface listens where
 * the packet came in.
 */
#ifndef _WGTUN_PEERLOOKUP_H
#define _WGTUN_PEERLOOKUP_H

#include <linux/rhashtable-types.h>
#include <linux/types.h>

#include "messages.h"

struct wgt_noise_remote;
struct wgt_noise_keypair;

/**
 * struct wgt_pubkey_table - remotes by static public key
 * @ht: entries are the @pubkey_node (@span_node in a spanning table) of
 *	struct wgt_noise_remote, keyed by its @remote_static; the table holds
 *	no reference on them.
 * @span: a spanning table (a shared port's).
 */
struct wgt_pubkey_table {
	struct rhashtable ht;
	bool span;
};

/**
 * struct wgt_index_table - a device's local ("receiver") indices
 * @ht: entries are struct wgt_index_entry keyed by @index; the table holds no
 *	reference on them: whoever inserts an entry removes it before freeing
 *	the containing object, and frees it only after an RCU grace period.
 */
struct wgt_index_table {
	struct rhashtable ht;
};

/* Values of struct wgt_index_entry.type; they are bits so that lookups can take a mask. */
enum wgt_index_type {
	WGT_INDEX_HANDSHAKE = 1U << 0,
	WGT_INDEX_KEYPAIR = 1U << 1,
};

/**
 * struct wgt_index_entry - a local index, in a handshake or a keypair
 * @node: hash table linkage
 * @index: the value in host byte order (on the wire it is cpu_to_le32(@index));
 *	constant while the entry is hashed
 * @type: WGT_INDEX_HANDSHAKE (embedded in struct wgt_noise_handshake) or
 *	WGT_INDEX_KEYPAIR (embedded in struct wgt_noise_keypair)
 * @hashed: whether the entry is in the table; changed only by its owner, under
 *	the lock that serializes the owner (the handshake lock for handshakes)
 * @remote: the remote this index belongs to; no reference
 */
struct wgt_index_entry {
	struct rhash_head node;
	u32 index;
	u8 type;
	bool hashed;
	struct wgt_noise_remote *remote;
};

int wgt_pubkey_table_init(struct wgt_pubkey_table *table);
int wgt_pubkey_table_init_span(struct wgt_pubkey_table *table);
void wgt_pubkey_table_uninit(struct wgt_pubkey_table *table);
int wgt_pubkey_table_insert(struct wgt_pubkey_table *table, struct wgt_noise_remote *remote);
void wgt_pubkey_table_remove(struct wgt_pubkey_table *table, struct wgt_noise_remote *remote);
struct wgt_noise_remote *wgt_pubkey_lookup(struct wgt_pubkey_table *table,
					   const u8 pubkey[NOISE_PUBLIC_KEY_LEN]);
struct wgt_noise_remote *wgt_pubkey_lookup_get(struct wgt_pubkey_table *table,
					       const u8 pubkey[NOISE_PUBLIC_KEY_LEN]);

/* Every interface's local indices; set up and torn down with the module. */
extern struct wgt_index_table wgt_indices;
int wgt_peerlookup_init(void);
void wgt_peerlookup_uninit(void);

#ifdef WGTUN_DEBUG
/* The selftests' own tables; the module has one (wgt_indices). */
int wgt_index_table_init(struct wgt_index_table *table);
void wgt_index_table_uninit(struct wgt_index_table *table);
#endif
int wgt_index_insert(struct wgt_index_table *table, struct wgt_index_entry *entry);
void wgt_index_replace(struct wgt_index_table *table, struct wgt_index_entry *old,
		       struct wgt_index_entry *new);
void wgt_index_remove(struct wgt_index_table *table, struct wgt_index_entry *entry);
struct wgt_noise_remote *wgt_index_lookup_get(struct wgt_index_table *table, u32 index,
					      u8 type_mask,
					      struct wgt_noise_keypair **keypair);
#ifdef WGTUN_DEBUG
unsigned int wgt_index_table_count(struct wgt_index_table *table);
#endif

#endif /* _WGTUN_PEERLOOKUP_H */
