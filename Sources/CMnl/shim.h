#ifndef BG95_CMNL_SHIM_H
#define BG95_CMNL_SHIM_H
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <linux/if_addr.h>
#include <linux/fib_rules.h>
#include <net/if.h>

/* libmnl's mnl_attr_for_each* are macros Swift cannot import; these helpers let Swift walk
 * attributes with mnl_attr_ok/mnl_attr_next and bounds it by the message's end. */

/* The first attribute after a family header of `header_len` bytes. */
static inline struct nlattr *bg95_attr_first(const struct nlmsghdr *nlh, size_t header_len) {
    return (struct nlattr *)mnl_nlmsg_get_payload_offset(nlh, header_len);
}

/* Bytes left in the message from `attr` to its end (may be <= 0 when nothing is left). */
static inline int bg95_attr_remaining(const struct nlmsghdr *nlh, const struct nlattr *attr) {
    return (int)((const char *)mnl_nlmsg_get_payload_tail(nlh) - (const char *)attr);
}

/* Whether the message has room for a family header of `header_len` bytes. */
static inline int bg95_nlmsg_has_header(const struct nlmsghdr *nlh, size_t header_len) {
    return nlh->nlmsg_len >= MNL_NLMSG_HDRLEN + MNL_ALIGN(header_len);
}

/* mnl_nlmsg_ok compares nlmsg_len with the buffer length as a signed int, so a length above
 * INT_MAX (e.g. 0xffffffff) passes and the message is read far past the buffer (found by
 * `make fuzz`, Fuzz/Corpus/rtnetlink/nlmsg-len-above-int-max). This compares unsigned. */
static inline bool bg95_nlmsg_ok(const struct nlmsghdr *nlh, int len) {
    return len >= (int)sizeof(struct nlmsghdr) && nlh->nlmsg_len >= sizeof(struct nlmsghdr)
        && nlh->nlmsg_len <= (unsigned int)len;
}
#endif
