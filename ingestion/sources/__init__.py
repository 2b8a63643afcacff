"""The source registry: every source system the platform ingests, one module each.

Adding a source means a module here (its entities and their pandera schemas in quality/schemas/), registered below —
not a new pipeline.
"""

from __future__ import annotations

from ingestion.sources.base import BatchContext, OtherSource, Source, SqlEntity, SqlSource
from ingestion.sources.community import COMMUNITY
from ingestion.sources.minyi import MINYI
from ingestion.sources.pingan import PINGAN
from ingestion.sources.video import VIDEO
from ingestion.sources.zhengfa import ZHENGFA
from ingestion.sources.zhengfa_files import ZHENGFA_FILES

SOURCES: dict[str, Source] = {s.name: s for s in (MINYI, PINGAN, ZHENGFA, VIDEO, COMMUNITY, ZHENGFA_FILES)}

__all__ = ["SOURCES", "BatchContext", "OtherSource", "Source", "SqlEntity", "SqlSource"]
