from rest_framework import serializers

from reservations.models import Table


class TableSerializer(serializers.ModelSerializer):
    class Meta:
        model = Table
        fields = [
            "id",
            "code",
            "min_capacity",
            "max_capacity",
            "area",
            "status",
            "description",
            "reservation_price",
        ]
        read_only_fields = ["reservation_price"]
