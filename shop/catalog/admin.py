from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html

from .forms import ProductAdminForm
from .models import Category, Product


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "product_count")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_product_count=Count("products"))

    @admin.display(description="products", ordering="_product_count")
    def product_count(self, obj):
        return obj._product_count


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    form = ProductAdminForm
    list_display = ("picture", "name", "category", "price", "stock", "is_active", "updated_at")
    list_display_links = ("picture", "name")
    list_editable = ("price", "stock", "is_active")
    list_filter = ("is_active", "category", "created_at")
    list_select_related = ("category",)
    list_per_page = 50
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("image_preview", "created_at", "updated_at")
    autocomplete_fields = ("category",)
    fieldsets = (
        (None, {"fields": ("name", "slug", "category", "description", "is_active")}),
        ("Price and stock", {"fields": ("price", "stock")}),
        ("Image", {"fields": ("image", "image_preview")}),
        ("History", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )

    @admin.display(description="")
    def picture(self, obj):
        return self._img(obj, 48)

    @admin.display(description="current image")
    def image_preview(self, obj):
        return self._img(obj, 240) or "No image yet."

    @staticmethod
    def _img(obj, size):
        if not obj.image:
            return ""
        url = obj.thumbnail_url if size <= 240 else obj.image_url
        return format_html(
            '<img src="{}" alt="{}" width="{}" height="{}" loading="lazy">',
            url,
            obj.name,
            size,
            size,
        )
