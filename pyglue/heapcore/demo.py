"""The demo of `python3 -m heapcore demo`: a small realistic heap, its table, a partition by
type, the difference between two checkpoints, what would be freed (retained sizes), and who
refers to the new objects."""
import json


class Customer:
    def __init__(self, i):
        self.id = i
        self.name = "customer-%d" % i
        self.orders = []


class Order:
    __slots__ = ("sku", "qty", "meta")

    def __init__(self, sku, qty):
        self.sku = sku
        self.qty = qty
        self.meta = {"sku": sku, "qty": qty}


def build(n=2000):
    customers = [Customer(i) for i in range(n)]
    for i, c in enumerate(customers):
        c.orders.extend(Order("sku-%d" % (i * 7 + k), k + 1000) for k in range(3))
    catalogue = json.loads(json.dumps({"items": [{"sku": "sku-%d" % i, "price": i * 1.5}
                                                 for i in range(n)]}))
    return customers, catalogue


def main(out=print):
    from heapcore import hpy
    h = hpy()
    before = h.heap()
    data = build()
    after = h.heap()
    out("== h.heap(): the whole heap, by class or dict owner ==")
    out(after)
    out("")
    out("== h.heap().bytype ==")
    out(after.bytype)
    out("")
    out("== after.diff(before): what building the data added ==")
    out(after.diff(before))
    out("")
    out("== (after - before): the new objects themselves ==")
    out(after - before)
    out("")
    out("== after.top(5): the objects that would free the most if they went ==")
    out(after.top(5))
    out("")
    out("== (after - before).byrcs: the new objects by the kinds of their referrers ==")
    out((after - before).byrcs)
    return data
