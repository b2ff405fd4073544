"""Rasa's side of `make train`: the fingerprint run and the training, on one import.

Rasa 3.6 caches every trained component (.rasa/cache) and skips what its
fingerprint finds there, but `rasa train` still packages and writes a new
model each time, even when nothing changed. `Project.check` runs the same
fingerprint run as `rasa train --dry-run` and turns it into a `model_stamp`;
`Project.train` trains as `rasa train` does (validation first), reusing the
data already loaded.

Thin adapter over Rasa 3.6 internals (`rasa.model_training._train_graph`, the
recipe and `GraphTrainer`), pinned in requirements.txt.
"""

import tempfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Optional

import rasa
import rasa.cli.utils
import rasa.model_training
from rasa.engine.caching import LocalTrainingCache
from rasa.engine.graph import GraphModelConfiguration, GraphSchema
from rasa.engine.recipes.recipe import Recipe
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.training.components import FingerprintStatus
from rasa.engine.training.graph_trainer import GraphTrainer
from rasa.shared.data import TrainingType
from rasa.shared.importers.importer import TrainingDataImporter
from rasa.shared.utils.io import deep_container_fingerprint

from bot.training.fingerprint import model_stamp


@dataclass(frozen=True)
class Check:
    """What the fingerprint run found.

    Attributes:
        stamp: The `model_stamp` of the model a training would package now, or
            None when some component is not in Rasa's cache.
        to_train: The graph nodes Rasa would (re)train, in name order.
    """

    stamp: Optional[str]
    to_train: list[str] = field(default_factory=list)


def schema_fingerprint(schema: GraphSchema) -> str:
    """A digest of a graph schema that is the same in every process.

    Each predict node names the resource it loads with a fresh random
    `output_fingerprint` (uuid4): only the resource's name is kept.
    """
    nodes = {
        name: {
            **node,
            "resource": node["resource"]["name"] if node.get("resource") else None,
        }
        for name, node in schema.as_dict()["nodes"].items()
    }
    return deep_container_fingerprint(nodes)


class Project:
    """The training inputs, loaded once (Rasa's importer caches what it read)."""

    def __init__(self, config: Path, domain: Path, data: list[Path]) -> None:
        self.importer = TrainingDataImporter.load_from_config(
            str(config), str(domain), [str(path) for path in data]
        )

    @cached_property
    def training_type(self) -> TrainingType:
        """NLU, Core or both, decided as `rasa.model_training.train` does."""
        nlu = self.importer.get_nlu_data()
        stories = self.importer.get_stories()
        if nlu.has_e2e_examples():
            return TrainingType.END_TO_END
        if self.importer.get_domain().is_empty() or stories.is_empty():
            return TrainingType.NLU
        if nlu.contains_no_pure_nlu_data():
            return TrainingType.CORE
        return TrainingType.BOTH

    @cached_property
    def configuration(self) -> GraphModelConfiguration:
        """The train and predict graphs of config.yml, built as `_train_graph` does."""
        config = self.importer.get_config()
        recipe = Recipe.recipe_for_name(config.get("recipe"))
        config, _, _ = recipe.auto_configure(
            self.importer.get_config_file_for_auto_config(), config, self.training_type
        )
        return recipe.graph_config_for_recipe(
            config, {}, training_type=self.training_type, is_finetuning=False
        )

    def check(self) -> Check:
        """Run Rasa's fingerprint run (as `rasa train --dry-run`) against its cache."""
        configuration = self.configuration
        with tempfile.TemporaryDirectory() as folder:
            trainer = GraphTrainer(
                LocalModelStorage(Path(folder)), LocalTrainingCache(), DaskGraphRunner
            )
            results = trainer.fingerprint(configuration.train_schema, self.importer)
        nodes = {
            name: result.output_fingerprint if result.is_hit else None
            for name, result in results.items()
            if isinstance(result, FingerprintStatus)
        }
        parts = {
            # The package holds the full domain; the nodes see it without responses.
            "domain": self.importer.get_domain().fingerprint(),
            # Config of components that are not trained (FallbackClassifier...).
            "train_schema": schema_fingerprint(configuration.train_schema),
            "predict_schema": schema_fingerprint(configuration.predict_schema),
            "model": deep_container_fingerprint(
                {
                    "training_type": configuration.training_type.model_type,
                    "assistant_id": str(configuration.assistant_id),
                    "language": str(configuration.language),
                    "core_target": str(configuration.core_target),
                    "nlu_target": str(configuration.nlu_target),
                }
            ),
            "rasa": rasa.__version__,
        }
        to_train = sorted(name for name, value in nodes.items() if value is None)
        return Check(model_stamp(nodes, parts), to_train)

    def train(self, out: Path, force: bool = False) -> Optional[Path]:
        """Validate, then train as `rasa train` does; the new model's path.

        Args:
            out: The model folder.
            force: Retrain every component, ignoring Rasa's cache.

        Returns:
            The model written, or None when there was nothing to train on.
        """
        if self.importer.get_stories().is_empty() and (
            self.importer.get_nlu_data().contains_no_pure_nlu_data()
        ):
            return None
        rasa.cli.utils.validate_files(False, None, self.importer)
        rasa.model_training._check_unresolved_slots(
            self.importer.get_domain(), self.importer.get_stories()
        )
        result = rasa.model_training._train_graph(
            self.importer,
            training_type=self.training_type,
            output_path=str(out),
            fixed_model_name=None,
            force_full_training=force,
        )
        return Path(result.model) if result.model else None
