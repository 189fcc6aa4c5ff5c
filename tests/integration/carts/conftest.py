from decimal import Decimal

import pytest

from tests.factories import make_category, make_product


@pytest.fixture
def products(db):
    """Three products: plenty of stock, a little stock, none."""
    category = make_category(name="Tea", slug="tea")
    return {
        "plenty": make_product(
            name="Sencha", slug="sencha", price=Decimal("12.50"), stock=500, category=category
        ),
        "few": make_product(
            name="Matcha", slug="matcha", price=Decimal("30.00"), stock=3, category=category
        ),
        "none": make_product(
            name="Pu-erh", slug="pu-erh", price=Decimal("20.00"), stock=0, category=category
        ),
    }
