from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from langgraph.prebuilt import create_react_agent

llm = ChatOpenAI(
    model="Qwen/Qwen3-4B",
    openai_api_base="http://localhost:8000/v1",
    openai_api_key="EMPTY",
    max_tokens=64,
    temperature=0,
)


@tool
def search(query: str) -> str:
    """Search the docs."""
    return "..."


print(llm.invoke("Hello"))
agent = create_react_agent(model=llm, tools=[search])
with_tools = llm.bind_tools([search])
print(with_tools.invoke("Find the install guide"))
