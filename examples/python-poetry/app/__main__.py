from app import render

print(render())
