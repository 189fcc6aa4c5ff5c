"""``{% fixed_url "name" arg... %}``: ``{% url "name" arg... %}`` with each URL reversed
once per process (``shop.core.urls.fixed_url``, which says when that is the same)."""

from django import template

from shop.core.urls import fixed_url

register = template.Library()
register.simple_tag(fixed_url, name="fixed_url")
