from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

from shop.core.api import form_errors

from . import selectors
from .forms import CatalogQueryForm
from .models import Category, Product


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "slug", "name"]


class ProductSerializer(serializers.ModelSerializer):
    image_url = serializers.SerializerMethodField()
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Product
        fields = ["id", "slug", "name", "description", "price", "stock", "image_url", "category"]

    @extend_schema_field(serializers.URLField(allow_null=True))  # null: no image yet
    def get_image_url(self, product):
        return product.image_url or None


class ProductPagination(PageNumberPagination):
    page_size = selectors.PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = 100


class PublicReadApi:
    """Catalog reads need no identity: never authenticating keeps them off Redis."""

    authentication_classes = ()
    permission_classes = ()


class CategoryListApi(PublicReadApi, generics.ListAPIView):
    serializer_class = CategorySerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.category_list()


@extend_schema(
    parameters=[
        OpenApiParameter("search", str, description="Words in the name or description."),
        OpenApiParameter("category", str, description="A category slug."),
        OpenApiParameter("sort", str, enum=list(selectors.SORT_ORDERS)),
    ]
)
class ProductListApi(PublicReadApi, generics.ListAPIView):
    serializer_class = ProductSerializer
    pagination_class = ProductPagination

    def get_queryset(self):
        query = CatalogQueryForm(self.request.query_params)
        if not query.is_valid():
            raise ValidationError(form_errors(query))
        return selectors.product_list(**query.cleaned_data)


class ProductDetailApi(PublicReadApi, generics.RetrieveAPIView):
    serializer_class = ProductSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return selectors.product_list()
