"""The model the portal runs, derived from the pinned all-MiniLM-L6-v2 int8 file.

The pinned file stores its weights as int8 with a float scale per output
column, and turns them back into floats before each matrix product
(``MatMul(x, Cast(w) * scale)``). ONNX Runtime folds those into float weights
at load, so every product runs in float: about 40 ms of CPU per write-up.

This module rewrites the graph, once, so the products run on the int8 weights
themselves (docs/decisions/0014-integer-embedding-model.md):

- each ``MatMul`` on int8 weights becomes ``DynamicQuantizeMatMul`` on the same
  int8 values and scales, with the bias ``Add`` after it folded in. Its input
  is quantised to uint8 with one scale for the whole tensor, so the portal runs
  one text at a time (model.BATCH_SIZE): a text's vector then never depends on
  the texts it was embedded with;
- each layer's erf-based GELU (five nodes) becomes ONNX Runtime's ``Gelu``;
- each layer's attention (reshapes, transposes, scaling, mask, softmax and two
  products) becomes ``MultiHeadAttention`` with the attention mask as key padding;
- the guard that replaces NaN after each softmax goes: it can only fire when a
  row of the mask is all padding, and [CLS] is never padding.

ONNX Runtime ships no Python classes for ONNX's protobuf schema and the
``onnx`` package would add 33 MB, so the few messages and fields touched are
declared here (their field numbers are ONNX's, from onnx.proto). Fields not
declared are kept as protobuf unknown fields and written back unchanged.

The result is checked against DERIVED_SHA256 in model.py, so every machine runs
the same bytes.
"""

from __future__ import annotations

import math

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

# Bump when the rewrite changes; it is part of every stored vector's hash.
REWRITE_VERSION = "dq1"
NUM_HEADS = 12
HEAD_SIZE = 32

_FLOAT, _INT = 1, 2  # AttributeProto.AttributeType
_TENSOR_INT32 = 6  # TensorProto.DataType


def _schema():
    F = descriptor_pb2.FieldDescriptorProto
    file = descriptor_pb2.FileDescriptorProto(name="portal_onnx_subset.proto", package="portal_onnx", syntax="proto2")

    def message(name: str, *fields: tuple[str, int, int, int, str | None]) -> None:
        msg = file.message_type.add(name=name)
        for field_name, number, kind, label, type_name in fields:
            field = msg.field.add(name=field_name, number=number, type=kind, label=label)
            if type_name:
                field.type_name = f".portal_onnx.{type_name}"

    opt, rep = F.LABEL_OPTIONAL, F.LABEL_REPEATED
    message(
        "Attribute",
        ("name", 1, F.TYPE_STRING, opt, None),
        ("f", 2, F.TYPE_FLOAT, opt, None),
        ("i", 3, F.TYPE_INT64, opt, None),
        ("type", 20, F.TYPE_INT32, opt, None),
    )
    message(
        "Node",
        ("input", 1, F.TYPE_STRING, rep, None),
        ("output", 2, F.TYPE_STRING, rep, None),
        ("name", 3, F.TYPE_STRING, opt, None),
        ("op_type", 4, F.TYPE_STRING, opt, None),
        ("attribute", 5, F.TYPE_MESSAGE, rep, "Attribute"),
        ("domain", 7, F.TYPE_STRING, opt, None),
    )
    message(
        "Tensor",
        ("dims", 1, F.TYPE_INT64, rep, None),
        ("data_type", 2, F.TYPE_INT32, opt, None),
        ("name", 8, F.TYPE_STRING, opt, None),
        ("raw_data", 9, F.TYPE_BYTES, opt, None),
    )
    message("ValueInfo", ("name", 1, F.TYPE_STRING, opt, None))
    message(
        "Graph",
        ("node", 1, F.TYPE_MESSAGE, rep, "Node"),
        ("initializer", 5, F.TYPE_MESSAGE, rep, "Tensor"),
        ("input", 11, F.TYPE_MESSAGE, rep, "ValueInfo"),
        ("output", 12, F.TYPE_MESSAGE, rep, "ValueInfo"),
    )
    message("OpsetId", ("domain", 1, F.TYPE_STRING, opt, None), ("version", 2, F.TYPE_INT64, opt, None))
    message(
        "Model",
        ("graph", 7, F.TYPE_MESSAGE, opt, "Graph"),
        ("opset_import", 8, F.TYPE_MESSAGE, rep, "OpsetId"),
    )
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return {
        name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"portal_onnx.{name}"))
        for name in ("Model", "Node", "Tensor", "Attribute", "OpsetId")
    }


class DerivationError(RuntimeError):
    """The source graph is not the shape this rewrite expects."""


class _Graph:
    def __init__(self, graph, classes):
        self.graph = graph
        self.classes = classes
        self.initializers = {t.name: t for t in graph.initializer}
        self.nodes = list(graph.node)
        self.removed: set[str] = set()
        self.added = []
        self.index()

    def index(self) -> None:
        live = [n for n in self.nodes if n.name not in self.removed] + self.added
        self.producer = {out: n for n in live for out in n.output}
        self.consumers: dict[str, list] = {}
        for n in live:
            for name in n.input:
                self.consumers.setdefault(name, []).append(n)

    def made_by(self, name: str, op_type: str):
        node = self.producer.get(name)
        return node if node is not None and node.op_type == op_type else None

    def only_consumer(self, name: str, op_type: str):
        users = self.consumers.get(name, [])
        return users[0] if len(users) == 1 and users[0].op_type == op_type else None

    def node(self, op_type: str, inputs: list[str], outputs: list[str], name: str, domain: str = "", **attrs):
        node = self.classes["Node"](op_type=op_type, input=inputs, output=outputs, name=name, domain=domain)
        for key, value in attrs.items():
            if isinstance(value, float):
                node.attribute.add(name=key, f=value, type=_FLOAT)
            else:
                node.attribute.add(name=key, i=value, type=_INT)
        self.added.append(node)
        return node

    def tensor(self, name: str, dims: list[int], data_type: int, raw: bytes) -> None:
        tensor = self.classes["Tensor"](name=name, dims=dims, data_type=data_type, raw_data=raw)
        self.graph.initializer.append(tensor)
        self.initializers[name] = tensor


def _integer_products(g: _Graph) -> int:
    """MatMul(x, Cast(w_int8) * scale) [+ bias]  ->  DynamicQuantizeMatMul(x, w_int8, scale, -, bias)."""
    count = 0
    for node in g.nodes:
        if node.op_type != "MatMul":
            continue
        mul = g.made_by(node.input[1], "Mul")
        cast = g.made_by(mul.input[0], "Cast") if mul is not None else None
        if cast is None or cast.input[0] not in g.initializers or mul.input[1] not in g.initializers:
            continue
        scale = g.initializers[mul.input[1]]
        flat_scale = f"{scale.name}_per_column"
        g.tensor(flat_scale, [math.prod(scale.dims)], scale.data_type, scale.raw_data)
        inputs, output = [node.input[0], cast.input[0], flat_scale], node.output[0]
        add = g.only_consumer(output, "Add")
        if add is not None:
            bias = [name for name in add.input if name in g.initializers and len(g.initializers[name].dims) == 1]
            if len(bias) == 1:
                inputs += ["", bias[0]]
                output = add.output[0]
                g.removed.add(add.name)
        g.node("DynamicQuantizeMatMul", inputs, [output], f"{node.name}_int8", domain="com.microsoft")
        g.removed.add(node.name)
        count += 1
    g.index()
    return count


def _gelu(g: _Graph) -> int:
    """x * 0.5 * (1 + erf(x / sqrt 2))  ->  Gelu(x)."""
    count = 0
    for erf in [n for n in g.nodes if n.op_type == "Erf" and n.name not in g.removed]:
        div = g.made_by(erf.input[0], "Div")
        plus_one = g.only_consumer(erf.output[0], "Add")
        half = g.only_consumer(plus_one.output[0], "Mul") if plus_one is not None else None
        times_x = g.only_consumer(half.output[0], "Mul") if half is not None else None
        if div is None or times_x is None or div.input[0] not in times_x.input:
            continue
        g.removed.update(n.name for n in (div, erf, plus_one, half, times_x))
        g.node("Gelu", [div.input[0]], list(times_x.output), f"{times_x.name}_gelu", domain="com.microsoft")
        count += 1
    g.index()
    return count


def _without_nan_guard(g: _Graph) -> int:
    """Where(IsNaN(p), 0, p)  ->  p."""
    count = 0
    for where in [n for n in g.nodes if n.op_type == "Where" and n.name not in g.removed]:
        is_nan = g.made_by(where.input[0], "IsNaN")
        if is_nan is None or is_nan.input[0] != where.input[2]:
            continue
        for user in g.consumers.get(where.output[0], []):
            for i, name in enumerate(user.input):
                if name == where.output[0]:
                    user.input[i] = where.input[2]
        g.removed.update((where.name, is_nan.name))
        count += 1
    g.index()
    return count


def _projection(g: _Graph, name: str) -> str | None:
    """Walk back through the head reshapes, transposes and scaling to the projection's output."""
    while name in g.producer and g.producer[name].op_type in ("Mul", "Transpose", "Reshape"):
        name = g.producer[name].input[0]
    return name if g.made_by(name, "DynamicQuantizeMatMul") is not None else None


def _attention(g: _Graph) -> int:
    """softmax(q k^T * s + mask) v with per-head reshapes  ->  MultiHeadAttention(q, k, v, mask)."""
    mask = "attention_mask_int32"
    count = 0
    for context in [n for n in g.nodes if n.op_type == "MatMul" and n.name not in g.removed]:
        softmax = g.made_by(context.input[0], "Softmax")
        add_mask = g.made_by(softmax.input[0], "Add") if softmax is not None else None
        scores = g.made_by(add_mask.input[0], "MatMul") if add_mask is not None else None
        transpose = g.only_consumer(context.output[0], "Transpose")
        merge = g.only_consumer(transpose.output[0], "Reshape") if transpose is not None else None
        if scores is None or merge is None:
            continue
        query, key, value = (_projection(g, name) for name in (scores.input[0], scores.input[1], context.input[1]))
        if None in (query, key, value):
            continue
        if count == 0:
            g.node("Cast", ["attention_mask"], [mask], "attention_mask_to_int32", to=_TENSOR_INT32)
        g.removed.update(n.name for n in (context, transpose, merge))
        g.node(
            "MultiHeadAttention",
            [query, key, value, "", mask],
            list(merge.output),
            f"{context.name}_attention",
            domain="com.microsoft",
            num_heads=NUM_HEADS,
            scale=1.0 / math.sqrt(HEAD_SIZE),
        )
        count += 1
    g.index()
    return count


def _write_back(g: _Graph) -> None:
    """Keep the nodes that still feed an output, in an order where each follows its inputs."""
    outputs = {value.name for value in g.graph.output}
    nodes = [n for n in g.nodes if n.name not in g.removed] + g.added
    while True:
        used = outputs | {name for n in nodes for name in n.input}
        live = [n for n in nodes if any(out in used for out in n.output)]
        if len(live) == len(nodes):
            break
        nodes = live
    ready = {value.name for value in g.graph.input} | set(g.initializers) | {""}
    ordered, pending = [], nodes
    while pending:
        waiting = []
        for n in pending:
            if all(name in ready for name in n.input):
                ordered.append(n)
                ready.update(n.output)
            else:
                waiting.append(n)
        if len(waiting) == len(pending):
            raise DerivationError("the rewritten graph has a node whose inputs are never produced")
        pending = waiting
    copies = [type(n).FromString(n.SerializeToString()) for n in ordered]
    del g.graph.node[:]
    g.graph.node.extend(copies)
    used = {name for n in copies for name in n.input}
    kept = [type(t).FromString(t.SerializeToString()) for t in g.graph.initializer if t.name in used]
    del g.graph.initializer[:]
    g.graph.initializer.extend(kept)


# What the pinned file holds: 6 layers of 6 products each, a GELU and an attention per layer.
_EXPECTED = {"products": 36, "gelu": 6, "nan guards": 6, "attention": 6}


def derive(source: bytes) -> bytes:
    """The rewritten model's bytes, from the pinned model's bytes."""
    classes = _schema()
    model = classes["Model"].FromString(source)
    g = _Graph(model.graph, classes)
    found = {
        "products": _integer_products(g),
        "gelu": _gelu(g),
        "nan guards": _without_nan_guard(g),
        "attention": _attention(g),
    }
    if found != _EXPECTED:
        raise DerivationError(f"the model's graph is not the expected shape: found {found}, expected {_EXPECTED}")
    _write_back(g)
    if not any(opset.domain == "com.microsoft" for opset in model.opset_import):
        model.opset_import.append(classes["OpsetId"](domain="com.microsoft", version=1))
    return model.SerializeToString(deterministic=True)
