from langchain_core.tools import tool
from langchain_openai import ChatOpenAI

llm = ChatOpenAI(
    model="Qwen/Qwen2.5-7B-Instruct",
    base_url="http://localhost:30000/v1",
    api_key="EMPTY",
    temperature=0.7,
)


@tool
def lookup_order(order_id: str) -> str:
    """Find an order by its id."""
    return "shipped"


agent_llm = llm.bind_tools([lookup_order])
print(agent_llm.invoke("Where is order 42?"))
