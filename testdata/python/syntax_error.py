from openai import OpenAI

client = OpenAI()


def broken(:
    pass
