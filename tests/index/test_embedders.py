"""Loading embedders by name: the model hub is asked only when the user allows it."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from index import load_embedder


class _Recorder:
    """Stands for SentenceTransformer: records how it was asked to load, then fails like a missing model."""

    calls: ClassVar[list[dict[str, Any]]] = []

    def __init__(self, model: str, **options: Any) -> None:
        _Recorder.calls.append({"model": model, **options})
        raise OSError(f"{model} is not in the local cache")


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> type[_Recorder]:
    import sentence_transformers

    _Recorder.calls = []
    monkeypatch.setattr(sentence_transformers, "SentenceTransformer", _Recorder)
    monkeypatch.delenv("CDV_ALLOW_DOWNLOAD", raising=False)
    return _Recorder


def test_an_unknown_name_does_not_reach_the_hub(recorder: type[_Recorder]) -> None:
    """By default a model name is looked up in the local cache only, and the error says how to allow it."""
    with pytest.raises(ValueError, match="CDV_ALLOW_DOWNLOAD=1"):
        load_embedder("some-org/not-on-this-machine")
    assert recorder.calls[-1]["local_files_only"] is True


def test_downloads_are_allowed_on_request(recorder: type[_Recorder], monkeypatch: pytest.MonkeyPatch) -> None:
    """CDV_ALLOW_DOWNLOAD=1 lets sentence-transformers fetch the model (for machines with a network)."""
    monkeypatch.setenv("CDV_ALLOW_DOWNLOAD", "1")
    with pytest.raises(ValueError, match="Cannot load"):
        load_embedder("some-org/not-on-this-machine")
    assert recorder.calls[-1]["local_files_only"] is False


def test_combined_embedder_averages_the_models_cosines() -> None:
    """`a+b`: the cosine of two combined vectors is the mean of each model's cosine."""
    import numpy as np

    from index.embedders import CombinedEmbedder
    from tests.fakes import FakeEmbedder

    class Shuffled(FakeEmbedder):
        def _encode(self, texts: Any) -> np.ndarray:
            return super()._encode(texts)[:, ::-1] ** 2  # another geometry, not normalised

    first, second = FakeEmbedder("a"), Shuffled("b")
    combined = CombinedEmbedder([first, second])
    assert combined.name == "a+b" and combined.dimension == first.dimension + second.dimension
    texts = ["élève absent de l'école", "logement indigne et marchands de sommeil"]
    joined = combined.encode_passages(texts)
    assert np.allclose(np.linalg.norm(joined, axis=1), 1.0, atol=1e-5)

    def cosine(vectors: np.ndarray) -> float:
        a, b = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        return float(a @ b)

    expected = (cosine(first.encode_passages(texts)) + cosine(second.encode_passages(texts))) / 2
    assert float(joined[0] @ joined[1]) == pytest.approx(expected, abs=1e-5)
    with pytest.raises(ValueError, match="at least two"):
        CombinedEmbedder([first])
