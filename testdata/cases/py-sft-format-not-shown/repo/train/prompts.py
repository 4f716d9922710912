import yaml

with open("prompt.yaml", encoding="utf-8") as f:
    TEMPLATE = yaml.safe_load(f)["template"]


def build_example(example):
    return TEMPLATE.format(**example)
