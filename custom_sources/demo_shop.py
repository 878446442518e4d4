"""An offline stand-in for an e-commerce API, so a fresh clone syncs with no network.

Products, carts and users are generated deterministically (the same rows on every machine).
`carts` shows the incremental pattern: merged on `id`, with `updated_at` as the cursor, so a second
sync asks only for carts updated since the last one and loads no duplicate.
"""

import random
from datetime import UTC, datetime, timedelta

import dlt

EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
CATEGORIES = ["beauty", "groceries", "furniture", "laptops", "fragrances"]


def _products(count: int) -> list[dict]:
    rng = random.Random(1)
    return [
        {
            "id": i,
            "title": f"Product {i}",
            "category": CATEGORIES[i % len(CATEGORIES)],
            "price": round(rng.uniform(1, 500), 2),
            "stock": rng.randint(0, 200),
            "tags": rng.sample(["new", "sale", "eco", "gift", "bulk"], k=2),
        }
        for i in range(1, count + 1)
    ]


def _users(count: int) -> list[dict]:
    rng = random.Random(2)
    first = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken"]
    return [
        {
            "id": i,
            "first_name": first[i % len(first)],
            "email": f"user{i}@example.com",
            "age": rng.randint(18, 80),
            "address": {"city": rng.choice(["Lyon", "Osaka", "Lima", "Oslo"]), "postal_code": f"{i:05d}"},
        }
        for i in range(1, count + 1)
    ]


def _carts(count: int, users: int, products: int) -> list[dict]:
    rng = random.Random(3)
    carts = []
    for i in range(1, count + 1):
        lines = [{"product_id": rng.randint(1, products), "quantity": rng.randint(1, 4)} for _ in range(3)]
        carts.append(
            {
                "id": i,
                "user_id": rng.randint(1, users),
                "updated_at": (EPOCH + timedelta(hours=7 * i)).isoformat(),
                "total_quantity": sum(line["quantity"] for line in lines),
                "products": lines,
            }
        )
    return carts


@dlt.source
def demo_shop(products: int = 40, users: int = 12, carts: int = 25):
    """Products and users replaced on each sync; carts merged incrementally on updated_at."""

    @dlt.resource(name="products", write_disposition="replace", primary_key="id")
    def get_products():
        yield _products(products)

    @dlt.resource(name="users", write_disposition="replace", primary_key="id")
    def get_users():
        yield _users(users)

    @dlt.resource(name="carts", write_disposition="merge", primary_key="id")
    def get_carts(updated_at=dlt.sources.incremental("updated_at", initial_value=EPOCH.isoformat())):
        yield [cart for cart in _carts(carts, users, products) if cart["updated_at"] > updated_at.last_value]

    return [get_products(), get_users(), get_carts()]
