"""story-compare: how several outlets cover one event, sentence by sentence.

The public API. Nothing heavy is imported here: the model loads on first use.
"""

from .cluster import Clustering, ClusterSettings, StoryCluster, cluster_articles
from .corpus import Story, corpora_dir, list_stories, load_story, read_article, save_story
from .pipeline import compare_evidence, compare_story, prepare
from .types import (
    Article,
    Claim,
    CompareError,
    Comparison,
    Conflict,
    Match,
    Matches,
    Sentence,
    Settings,
    Status,
)

__all__ = [
    "Article",
    "Claim",
    "ClusterSettings",
    "Clustering",
    "CompareError",
    "Comparison",
    "Conflict",
    "Match",
    "Matches",
    "Sentence",
    "Settings",
    "Status",
    "Story",
    "StoryCluster",
    "cluster_articles",
    "compare_evidence",
    "compare_story",
    "corpora_dir",
    "list_stories",
    "load_story",
    "prepare",
    "read_article",
    "save_story",
]
__version__ = "0.1.0"
