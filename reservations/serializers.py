from rest_framework import serializers
from rest_framework.validators import UniqueValidator

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

    def get_fields(self):
        fields = super().get_fields()
        # A taken code is the model's to refuse (table_save): one message, whether the other
        # table was there before or was saved by a request running at the same time.
        code = fields["code"]
        code.validators = [v for v in code.validators if not isinstance(v, UniqueValidator)]
        return fields
