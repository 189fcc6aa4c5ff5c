from django.contrib import admin, messages

from . import services
from .models import Order, OrderLine


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    fields = ("product", "product_name", "unit_price", "quantity", "line_total")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("number", "user", "status", "total", "created_at")
    list_filter = ("status", "created_at")
    search_fields = ("number", "user__email")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    inlines = [OrderLineInline]
    actions = ["mark_paid", "mark_shipped", "mark_cancelled"]
    readonly_fields = (
        "number",
        "user",
        "status",
        "subtotal",
        "total",
        "payment_method",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("number", "user", "status", "payment_method")}),
        ("Totals", {"fields": ("subtotal", "total")}),
        (
            "Shipping address",
            {
                "fields": (
                    "ship_name",
                    "ship_line1",
                    "ship_line2",
                    "ship_city",
                    "ship_postal_code",
                    "ship_country",
                )
            },
        ),
        ("History", {"fields": ("created_at", "updated_at")}),
    )

    def has_add_permission(self, request):
        return False  # orders come from checkout

    def has_delete_permission(self, request, obj=None):
        return False  # cancel instead: orders are records

    @admin.action(description="Mark selected orders as paid")
    def mark_paid(self, request, queryset):
        self._move(request, queryset, Order.Status.PAID)

    @admin.action(description="Mark selected orders as shipped")
    def mark_shipped(self, request, queryset):
        self._move(request, queryset, Order.Status.SHIPPED)

    @admin.action(description="Cancel selected orders (puts their stock back)")
    def mark_cancelled(self, request, queryset):
        self._move(request, queryset, Order.Status.CANCELLED)

    def _move(self, request, queryset, status):
        moved = skipped = 0
        for order_id in queryset.values_list("pk", flat=True):
            if services.order_set_status(order_id=order_id, status=status):
                moved += 1
            else:
                skipped += 1
        if moved:
            self.message_user(request, f"{moved} order(s) marked {status}.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} order(s) skipped: they cannot become {status} from their status.",
                messages.WARNING,
            )
