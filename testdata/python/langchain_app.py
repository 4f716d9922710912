from langchain_core.messages import HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI

llm = ChatOpenAI(
    base_url="http://localhost:8000/v1",
    api_key="EMPTY",
    model="Qwen/Qwen2.5-14B-Instruct",
    temperature=0.1,
    max_tokens=1024,
)

reply = llm.invoke(
    [SystemMessage(content="You are a helpful assistant."), HumanMessage(content="Hi")]
)
short = llm.invoke("Tell me a joke")
