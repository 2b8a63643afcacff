"""宇视 (Uniview) platform ledger export: GB/T 28181 catalog element names as headers, UTF-8 CSV with a BOM."""

from __future__ import annotations

from ingestion.vendor_mappings import STATUS_OFF, STATUS_ON, VendorMapping

UNIVIEW = VendorMapping(
    key="uniview_v1",
    vendor="宇视",
    description="宇视 export: English GB/T 28181 catalog names, digit codes, status ON/OFF",
    columns={
        "DeviceID": "device_id", "Name": "name", "Street": "street_name", "Community": "community_name",
        "Address": "address", "Longitude": "longitude", "Latitude": "latitude", "PTZType": "ptz_type",
        "Manufacturer": "manufacturer", "Model": "model", "Owner": "owner", "CivilCode": "civil_code",
        "ParentID": "parent_id", "Status": "status", "RoomType": "room_type", "UseType": "use_type",
        "SupplyLightType": "supply_light_type", "BusinessGroupID": "business_group_id", "InstallDate": "install_date",
    },
    values={"status": {"ON": STATUS_ON, "OFF": STATUS_OFF}},
)

MAPPINGS = (UNIVIEW,)
